import { stepError, type AgentJobConfig, type StepError } from '@agentic-flow/spec';
import type { StepExecutionInput, StepExecutor, StepOutcome, StepRuntime } from '../step-executor.js';
import { selectContext } from './agent-context.js';
import { AgentConversation } from './agent-conversation.js';
import { AgentFailure } from './agent-failure.js';
import { AGENT_EXECUTOR_TRAITS } from './agent-traits.js';
import { resolveAgentJob, type AgentProviders } from './agent-config.js';
import { runExecutorAgent, runPlanPhase, runSynthesizePhase, type PhaseInput } from './agent-phases.js';
import type { ToolRunContext } from './tools/agent-tool.js';
import { ToolRegistry } from './tools/tool-registry.js';

/** Options of {@link createAgentExecutor}. */
export interface AgentExecutorOptions {
  /** The configured LLM providers (a `ProviderRegistry`). The executor's `close()` closes them. */
  providers: AgentProviders;
  /** The tools capabilities grant. Default: none. The executor's `close()` closes them. */
  tools?: ToolRegistry;
  /** Clock of transcript entries, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Cap on each JSON block of a prompt (the context, the subtasks' outputs), in characters. Default 100 000. */
  maxContextChars?: number;
  /** Cap on each tool result sent to the model, in characters. Default 32 768. */
  maxToolResultChars?: number;
  /** Cap on each tool result kept in the transcript, in characters. Default 16 384. */
  maxStoredToolResultChars?: number;
}

/** setTimeout fires at once beyond this; a longer timeout is as good as this one. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Creates the executor of `agent-task` steps. One job is one of:
 * - an executor agent (no `phase`; also a coordinator's subtask): a tool-use loop over the tools
 *   of the step's `capabilities`, whose final answer is the output (validated against
 *   `outputSchema` when given);
 * - a coordinator's `plan` phase: output `{ plan: AgentPlan }`, which the engine fans out;
 * - a coordinator's `synthesize` phase: the final result from `config.subtasks`.
 *
 * Every outcome, failures included, carries `agent` (provider, model, usage, transcript) once the
 * provider is known. The step's `timeout` bounds the whole run (`TIMEOUT`); the runtime's signal
 * cancels it (`CANCELLED`).
 *
 * @example
 * const registry = providersFromEnv(process.env);
 * if ('problems' in registry) throw new Error(registry.problems.join('\n'));
 * const agent = createAgentExecutor({
 *   providers: registry.registry,
 *   tools: new ToolRegistry().register('http', createHttpTool()).register('script', createScriptTool()),
 * });
 * const outcome = await agent.execute({ ...job, config: { goal: 'Sum the order totals', capabilities: ['script'] } }, runtime);
 * // outcome.agent: { provider: 'openai', model: 'gpt-4o-mini', usage: {…}, transcript: […] }
 */
export function createAgentExecutor(options: AgentExecutorOptions): StepExecutor<AgentJobConfig> {
  const { providers } = options;
  const tools = options.tools ?? new ToolRegistry();
  const now = options.now ?? Date.now;
  const maxContextChars = options.maxContextChars ?? 100_000;
  const maxToolResultChars = options.maxToolResultChars ?? 32_768;
  const maxStoredToolResultChars = options.maxStoredToolResultChars ?? 16_384;

  async function execute(input: StepExecutionInput<AgentJobConfig>, runtime: StepRuntime): Promise<StepOutcome> {
    const resolved = resolveAgentJob(input.config, providers, tools);
    if (!resolved.ok) return { ok: false, error: resolved.error };
    const { job } = resolved;
    const timeoutMs = job.config.timeout;
    if (job.skills.length > 0 && job.config.phase !== 'synthesize') {
      runtime.log(
        'info',
        `capabilities without a tool, described to the model as skills: ${job.skills.join(', ')} (tools here: ${tools.capabilities().join(', ') || 'none'})`,
      );
    }

    // One signal for everything the run awaits: the step's timeout or the worker's cancellation.
    // (Not `AbortSignal.any`: the runtime's signal can live as long as the worker, and on Node 20
    // signals composed from a long-lived one are retained by it.)
    const controller = new AbortController();
    const onCancel = (): void => controller.abort(runtime.signal.reason);
    if (runtime.signal.aborted) onCancel();
    else runtime.signal.addEventListener('abort', onCancel, { once: true });
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        controller.abort(new Error('agent step timed out'));
      },
      Math.min(timeoutMs, MAX_TIMER_MS),
    );
    const signal = controller.signal;
    const startedAt = Date.now();

    const conversation = new AgentConversation({
      provider: job.provider,
      model: job.model,
      signal,
      log: runtime.log,
      now,
      remainingTokens: input.budget?.remainingTokens,
      maxStoredToolResultChars,
      retryOwner: input.retryOwner,
      inTrace: runtime.inTrace,
    });
    const context = selectContext(input.context, job.config.context);
    const toolContext: ToolRunContext = {
      signal,
      log: runtime.log,
      context,
      step: { stepRunId: input.stepRunId, stepId: input.stepId, executionId: input.executionId, attempt: input.attempt },
      remainingMs: () => Math.max(0, startedAt + timeoutMs - Date.now()),
    };
    const phaseInput: PhaseInput = {
      job,
      conversation,
      toolContext,
      idempotencyKey: input.idempotencyKey,
      prompt: { config: job.config, context, maxContextChars },
      maxToolResultChars,
    };

    try {
      const run = job.config.phase === 'plan' ? runPlanPhase : job.config.phase === 'synthesize' ? runSynthesizePhase : runExecutorAgent;
      const output = await run(phaseInput);
      return { ok: true, output, agent: conversation.record() };
    } catch (error) {
      const failure = failureOf(error, runtime.signal.aborted, timedOut, timeoutMs, conversation.calls);
      if (failure === undefined) throw error;
      runtime.log(
        'warn',
        `agent step failed after ${conversation.calls} model call${conversation.calls === 1 ? '' : 's'}: ${failure.code}: ${failure.message}`,
      );
      return { ok: false, error: failure, agent: conversation.record() };
    } finally {
      clearTimeout(timer);
      runtime.signal.removeEventListener('abort', onCancel);
    }
  }

  return {
    ...AGENT_EXECUTOR_TRAITS,
    execute,
    async close() {
      await Promise.all([tools.close(), providers.closeAll?.()]);
    },
  };
}

/** The step error a run ended with; `undefined` for an unexpected throw (a bug), which propagates. */
function failureOf(error: unknown, cancelled: boolean, timedOut: boolean, timeoutMs: number, calls: number): StepError | undefined {
  // Checked before the error itself: whatever the abort surfaced as, the abort is the cause.
  if (cancelled) return stepError('CANCELLED', 'agent step cancelled', { calls });
  if (timedOut) return stepError('TIMEOUT', `agent step timed out after ${timeoutMs} ms`, { timeoutMs, calls });
  if (error instanceof AgentFailure) return error.error;
  return undefined;
}
