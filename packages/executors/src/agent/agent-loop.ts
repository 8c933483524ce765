import { AgentFailure } from './agent-failure.js';
import type { AgentConversation } from './agent-conversation.js';
import type { AnswerCheck, AnswerChecker } from './output-validation.js';
import { correctionPrompt } from './prompts.js';
import type { ToolRunContext } from './tools/agent-tool.js';
import { runToolCall } from './tools/run-tool-call.js';
import { ToolCallKeys } from './tools/tool-call-keys.js';
import type { RegisteredTool } from './tools/tool-registry.js';

export interface AgentLoopOptions {
  conversation: AgentConversation;
  /** The tools the model is offered; none for a coordinator's plan and synthesis. */
  tools: readonly RegisteredTool[];
  toolContext: ToolRunContext;
  /** The agent step attempt's `Idempotency-Key`, from which each tool call's own is derived. */
  idempotencyKey: string | undefined;
  /** Model calls allowed, corrective ones included. */
  maxTurns: number;
  /** Accepts or rejects a final answer (a reply without tool calls). */
  check: AnswerChecker;
  /** What a rejected answer is called in the correction: a final answer or a plan. */
  answerKind: 'answer' | 'plan';
  /** Ask the provider for a JSON object reply. */
  json: boolean;
  /** Cap on each tool result sent to the model, in characters. */
  maxToolResultChars: number;
}

/** How many rejected answers end the run: the first one gets a correction, the second fails. */
const MAX_REJECTED_ANSWERS = 2;
const MAX_ANSWER_IN_DETAILS = 2048;

/**
 * The tool-use loop: call the model; run the tools it calls, in order, and send back their results;
 * stop at a reply without tool calls, the final answer. A rejected answer is explained to the model
 * once (that call counts as a turn); a second rejection fails with `AGENT_OUTPUT`, and so does a
 * rejection on the last turn, since no correction fits. Running out of turns otherwise fails with
 * `AGENT_MAX_TURNS` (the tool calls of the last turn are not run). Returns the accepted answer's value.
 */
export async function runAgentLoop(options: AgentLoopOptions): Promise<unknown> {
  const { conversation, tools, toolContext, maxTurns, check } = options;
  const granted = new Map(tools.map((entry) => [entry.tool.spec.name, entry]));
  const specs = tools.map((entry) => entry.tool.spec);
  let rejected = 0;
  const keys = new ToolCallKeys(options.idempotencyKey);

  for (let turn = 1; turn <= maxTurns; turn++) {
    const { message } = await conversation.ask({ tools: specs, json: options.json });

    if (message.toolCalls.length > 0) {
      // No turn is left to read the results: don't run tools (an http POST) for nothing.
      if (turn === maxTurns) break;
      for (const call of message.toolCalls) {
        // Counted as the model made the calls, in order: a re-run that makes the same calls sends the same keys.
        const result = await runToolCall(call, granted, { ...toolContext, idempotencyKey: keys.next(call.name) }, options.maxToolResultChars);
        if (result.isError) toolContext.log('warn', `agent tool ${call.name}: ${firstLine(result.content)}`);
        conversation.toolResult(call, result.content, result.isError);
      }
      continue;
    }

    const answer = message.content ?? '';
    const verdict = check(answer);
    if (verdict.ok) return verdict.value;
    rejected += 1;
    if (rejected >= MAX_REJECTED_ANSWERS || turn === maxTurns) throw outputFailure(verdict, answer, options.answerKind, rejected);
    toolContext.log('warn', `agent ${options.answerKind} rejected, asking for a correction: ${verdict.problem}`);
    conversation.user(correctionPrompt(verdict, options.answerKind));
  }
  throw new AgentFailure('AGENT_MAX_TURNS', `the agent used all ${maxTurns} turns without a final answer`, { maxTurns });
}

function outputFailure(verdict: Extract<AnswerCheck, { ok: false }>, answer: string, kind: 'answer' | 'plan', rejected: number): AgentFailure {
  const summary = verdict.violations?.length ? `: ${verdict.violations.map((v) => `${v.path}: ${v.message}`).join('; ')}` : '';
  const times = rejected >= MAX_REJECTED_ANSWERS ? 'after a correction' : 'on the last turn';
  return new AgentFailure('AGENT_OUTPUT', `the agent's ${kind === 'plan' ? 'plan' : 'final answer'} was rejected ${times}: ${verdict.problem}${summary}`, {
    reason: verdict.reason,
    ...(verdict.violations ? { violations: verdict.violations } : {}),
    answer: answer.length > MAX_ANSWER_IN_DETAILS ? answer.slice(0, MAX_ANSWER_IN_DETAILS) : answer,
  });
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
