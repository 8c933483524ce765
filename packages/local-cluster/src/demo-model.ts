import type { FakeLlmDirective, FakeLlmRequest } from './fake-llm.js';

/**
 * The scripted stand-in model the demo and the examples test use when no real endpoint is
 * configured. It answers the way a capable model would for the shipped examples, and only those:
 * - an executor with the `run_script` tool computes with the tool first, then answers with the
 *   tool's value (the Quick Start's analysis, each item review);
 * - a coordinator's planning call plans one subtask per item of `fetch-data`;
 * - a coordinator's synthesis collects its subtasks' outputs.
 * Anything else gets a plain text answer. It reads the prompts the agent executor writes, so the
 * examples test fails if those prompts change shape.
 */
export function demoModel(request: FakeLlmRequest): FakeLlmDirective {
  const system = request.messages.find((m) => m.role === 'system')?.content ?? '';
  const user = request.messages.find((m) => m.role === 'user')?.content ?? '';
  const toolResult = request.messages.find((m) => m.role === 'tool');

  if (system.includes('Plan now')) {
    const items = contextOf(user)?.results?.['fetch-data']?.items ?? [];
    return { json: { subtasks: items.map((item) => ({ goal: `Review item ${item.id}`, capabilities: ['script'] })) } };
  }
  if (system.includes('Your subtasks are done')) {
    const subtasks = jsonAfter(user, 'Subtasks and their outputs, in plan order:') as { output: unknown }[] | undefined;
    return { json: { reviews: (subtasks ?? []).map((s) => s.output) } };
  }
  if (toolResult) return { text: JSON.stringify((JSON.parse(toolResult.content) as { value: unknown }).value) };
  if (request.tools.some((t) => t.name === 'run_script')) {
    const item = /Goal: Review item (\d+)/.exec(user)?.[1];
    const code =
      item === undefined
        ? 'const items = results["fetch-data"].items;\nconst total = items.reduce((sum, item) => sum + item.value, 0);\nreturn { count: items.length, total, average: total / items.length };'
        : `const items = results["fetch-data"].items;\nconst average = items.reduce((sum, item) => sum + item.value, 0) / items.length;\nconst item = items.find((i) => i.id === ${item});\nreturn { id: item.id, value: item.value, verdict: item.value > average ? "above average" : "at or below average" };`;
    return { toolCalls: [{ name: 'run_script', arguments: { code } }] };
  }
  return { text: 'Done.' };
}

interface DemoContext {
  results?: Record<string, { items?: { id: number; value: number }[] } | undefined>;
}

function contextOf(user: string): DemoContext | undefined {
  const start = user.indexOf('Workflow context');
  if (start === -1) return undefined;
  return jsonAfter(user.slice(start), ':') as DemoContext | undefined;
}

/** The JSON on the line after `label` (the agent executor writes each block as `label:\n<json>`). */
function jsonAfter(text: string, label: string): unknown {
  const at = text.indexOf(label);
  if (at === -1) return undefined;
  const line =
    text
      .slice(at + label.length)
      .trimStart()
      .split('\n')[0] ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
