import type { AgentJobConfig, SubtaskOutcome } from '@agentic-flow/spec';
import type { StepContext } from '../step-executor.js';
import { jsonBlock } from './agent-context.js';
import type { AnswerCheck } from './output-validation.js';
import type { RegisteredTool } from './tools/tool-registry.js';

/**
 * The text of every message the agent executor writes to a model. The wording matters as much as
 * code: each prompt says who the model is (one unattended step of a workflow), what it has, and
 * the exact shape of the answer that will be accepted.
 */

export interface PromptInput {
  config: AgentJobConfig;
  /** The context the agent may see (already filtered by `config.context`). */
  context: StepContext;
  /** Cap on each JSON block (context, subtask outputs), in characters. */
  maxContextChars: number;
}

const EXECUTOR_ROLE =
  'You are an executor agent: one step of an automated workflow (Agentic Flow). Nobody reads your messages while you work; ' +
  "the workflow takes your final answer as the step's output and passes it to the next steps.";

const COORDINATOR_ROLE =
  'You are a coordinator agent: one step of an automated workflow (Agentic Flow). You split a goal into subtasks that executor agents ' +
  'carry out in parallel, then you combine their results. Nobody reads your messages while you work.';

/** The system message of an executor agent (a coordinator's subtask is one too). */
export function executorSystemPrompt(config: AgentJobConfig, tools: readonly RegisteredTool[], skills: readonly string[] = []): string {
  const role = config.systemPrompt ?? EXECUTOR_ROLE;
  const expertise = skills.length > 0 ? [`Apply these capabilities: ${skills.join(', ')}.`] : [];
  const toolRules =
    tools.length > 0
      ? 'Use the tools when you need data or a computation you do not have; do not guess what a tool can tell you. ' +
        'A tool result marked as an error tells you what went wrong: fix the call or try another way.'
      : 'You have no tools for this task: work from the goal and the context you are given.';
  return [role, ...expertise, toolRules, finalAnswerRule(config.outputSchema)].join('\n\n');
}

/** The first user message of an executor agent: its goal and the workflow data it may see. */
export function executorUserPrompt(input: PromptInput): string {
  const parts = [`Goal: ${input.config.goal}`];
  if (input.config.parentGoal !== undefined) {
    parts.push(`This is a subtask planned by a coordinator agent whose overall goal is: ${input.config.parentGoal}\nDo only your subtask.`);
  }
  parts.push(contextBlock(input));
  return parts.join('\n\n');
}

/** The system message of a coordinator agent's planning call. */
export function planSystemPrompt(config: AgentJobConfig, tools: readonly RegisteredTool[], maxSubtasks: number, skills: readonly string[] = []): string {
  const capabilities = [...describeCapabilities(tools), ...skills.map((skill) => `- ${skill}: a skill (no tools)`)];
  const grant =
    capabilities.length > 0
      ? `Capabilities you can grant a subtask (each gives its executor agent the tools listed):\n${capabilities.join('\n')}\n` +
        'Give each subtask only the capabilities it needs; omit "capabilities" to grant all of them.'
      : 'You have no capabilities to grant: executor agents will work without tools, from the goal and the context.';
  return [
    config.systemPrompt ?? COORDINATOR_ROLE,
    `Plan now. Split the goal into between 1 and ${maxSubtasks} subtasks. Each subtask goes to its own executor agent, which sees the same workflow context, ` +
      'your goal and its own subtask goal, but not the other subtasks or their results: write each goal so it can be done alone. ' +
      'Do not do the work yourself; you will combine the results afterwards.',
    grant,
    'Answer with only this JSON object, no prose and no Markdown:\n{"subtasks": [{"goal": "<what this subtask must achieve>", "capabilities": ["<capability>"]}]}',
  ].join('\n\n');
}

export function planUserPrompt(input: PromptInput): string {
  return [`Goal: ${input.config.goal}`, contextBlock(input)].join('\n\n');
}

/** The system message of a coordinator agent's synthesis call. */
export function synthesizeSystemPrompt(config: AgentJobConfig): string {
  return [
    config.systemPrompt ?? COORDINATOR_ROLE,
    'Your subtasks are done. Combine their results into the final result for your goal. ' +
      'A subtask output may be incomplete or wrong: use judgement, and say so in the result when it matters.',
    finalAnswerRule(config.outputSchema),
  ].join('\n\n');
}

export function synthesizeUserPrompt(input: PromptInput, subtasks: readonly SubtaskOutcome[]): string {
  return [
    `Goal: ${input.config.goal}`,
    jsonBlock(
      'Subtasks and their outputs, in plan order',
      subtasks.map((s) => ({ goal: s.goal, output: s.output })),
      input.maxContextChars,
    ),
    contextBlock(input),
  ].join('\n\n');
}

/** What the model is told after an answer was rejected; it gets one more chance. */
export function correctionPrompt(check: Extract<AnswerCheck, { ok: false }>, kind: 'answer' | 'plan'): string {
  const lines = [`Your ${kind === 'plan' ? 'plan' : 'final answer'} was rejected: ${check.problem}.`];
  for (const violation of check.violations ?? []) lines.push(`- ${violation.path}: ${violation.message}`);
  lines.push(
    kind === 'plan' ? 'Answer again with only the corrected plan as one JSON object.' : 'Answer again with only the corrected JSON value, no prose around it.',
  );
  return lines.join('\n');
}

function finalAnswerRule(outputSchema: Record<string, unknown> | undefined): string {
  if (outputSchema === undefined) {
    return 'When you are done, reply with the final result and no tool call. Give structured results as one JSON object or array, anything else as plain text.';
  }
  return (
    'When you are done, reply with the final result and no tool call: one JSON value that satisfies this JSON Schema, ' +
    `with no prose around it:\n${JSON.stringify(outputSchema)}`
  );
}

function contextBlock(input: PromptInput): string {
  const { results, variables } = input.context;
  if (Object.keys(results).length === 0 && Object.keys(variables).length === 0) return 'Workflow context: none (no earlier results or variables).';
  return jsonBlock(
    'Workflow context (outputs of earlier steps by step id, and the execution variables), as JSON',
    { results, variables },
    input.maxContextChars,
  );
}

function describeCapabilities(tools: readonly RegisteredTool[]): string[] {
  const byCapability = new Map<string, string[]>();
  for (const entry of tools) {
    const list = byCapability.get(entry.capability) ?? [];
    list.push(`${entry.tool.spec.name} (${entry.tool.spec.description})`);
    byCapability.set(entry.capability, list);
  }
  return [...byCapability].map(([capability, descriptions]) => `- ${capability}: ${descriptions.join('; ')}`);
}
