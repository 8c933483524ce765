import { runAgentLoop } from './agent-loop.js';
import type { AgentConversation } from './agent-conversation.js';
import { DEFAULT_MAX_SUBTASKS, DEFAULT_MAX_TURNS, type ResolvedAgentJob } from './agent-config.js';
import { outputChecker } from './output-validation.js';
import { planChecker } from './plan-validation.js';
import {
  executorSystemPrompt,
  executorUserPrompt,
  planSystemPrompt,
  planUserPrompt,
  synthesizeSystemPrompt,
  synthesizeUserPrompt,
  type PromptInput,
} from './prompts.js';
import type { ToolRunContext } from './tools/agent-tool.js';

/** What every phase gets. */
export interface PhaseInput {
  job: ResolvedAgentJob;
  conversation: AgentConversation;
  toolContext: ToolRunContext;
  /** The step attempt's `Idempotency-Key`: tool calls get keys derived from it. */
  idempotencyKey: string | undefined;
  prompt: PromptInput;
  maxToolResultChars: number;
}

/** A plan or a synthesis is one answer plus at most one correction: two calls. */
const SINGLE_ANSWER_TURNS = 2;

/** An executor agent (or a coordinator's subtask): the tool-use loop; its output is the final answer. */
export function runExecutorAgent(input: PhaseInput): Promise<unknown> {
  const { job, conversation } = input;
  conversation.system(executorSystemPrompt(job.config, job.tools, job.skills));
  conversation.user(executorUserPrompt(input.prompt));
  return runAgentLoop({
    conversation,
    tools: job.tools,
    toolContext: input.toolContext,
    idempotencyKey: input.idempotencyKey,
    maxTurns: job.config.maxTurns ?? DEFAULT_MAX_TURNS,
    check: outputChecker(job.validateOutput),
    answerKind: 'answer',
    // JSON mode on every turn of a tool loop would push some models (and the Anthropic provider's
    // JSON instruction) away from calling tools; the schema in the prompt and the check suffice.
    json: job.tools.length === 0 && wantsJsonObject(job.config.outputSchema),
    maxToolResultChars: input.maxToolResultChars,
  });
}

/** A coordinator agent's `plan` phase: output `{ plan }`, which the engine fans out as subtasks. */
export async function runPlanPhase(input: PhaseInput): Promise<unknown> {
  const { job, conversation } = input;
  const maxSubtasks = job.config.maxSubtasks ?? DEFAULT_MAX_SUBTASKS;
  conversation.system(planSystemPrompt(job.config, job.tools, maxSubtasks, job.skills));
  conversation.user(planUserPrompt(input.prompt));
  const plan = await runAgentLoop({
    conversation,
    tools: [],
    toolContext: input.toolContext,
    idempotencyKey: input.idempotencyKey,
    maxTurns: SINGLE_ANSWER_TURNS,
    check: planChecker({ maxSubtasks, capabilities: job.config.capabilities }),
    answerKind: 'plan',
    json: true,
    maxToolResultChars: input.maxToolResultChars,
  });
  return { plan };
}

/** A coordinator agent's `synthesize` phase: the step's final result from its subtasks' outputs. */
export function runSynthesizePhase(input: PhaseInput): Promise<unknown> {
  const { job, conversation } = input;
  conversation.system(synthesizeSystemPrompt(job.config));
  conversation.user(synthesizeUserPrompt(input.prompt, job.config.subtasks ?? []));
  return runAgentLoop({
    conversation,
    tools: [],
    toolContext: input.toolContext,
    idempotencyKey: input.idempotencyKey,
    maxTurns: SINGLE_ANSWER_TURNS,
    check: outputChecker(job.validateOutput),
    answerKind: 'answer',
    json: wantsJsonObject(job.config.outputSchema),
    maxToolResultChars: input.maxToolResultChars,
  });
}

/**
 * JSON mode (OpenAI `response_format: json_object`) forces an object, so it is asked for only when
 * the schema wants one; an array or a string answer must not be pushed into an object.
 */
function wantsJsonObject(schema: Record<string, unknown> | undefined): boolean {
  return schema !== undefined && schema['type'] === 'object';
}
