import type { CircuitVerdict, StepError } from '@agentic-flow/spec';
import type { ExecutorTraits } from '../step-executor.js';

/**
 * The breaker of an agent step is its provider (`agent-task:openai`), named by the step's
 * `provider`; a step naming none shares `agent-task:default`.
 */
function agentCircuitKey(config: unknown): string {
  const provider = typeof config === 'object' && config !== null ? (config as Record<string, unknown>)['provider'] : undefined;
  return `agent-task:${typeof provider === 'string' && provider.length > 0 ? provider : 'default'}`;
}

/**
 * The target is the provider. `AGENT_PROVIDER` is its failure when it answered 5xx or 429 or not at
 * all (no status: a network error), a success for other statuses (a 400 or 401 is the request's or
 * the key's fault). A bad answer, a run out of turns or out of budget means the provider answered:
 * success — except a budget spent before the first call, which never reached it: ignored.
 */
function agentCircuitVerdict(error: StepError): CircuitVerdict | undefined {
  switch (error.code) {
    case 'AGENT_PROVIDER': {
      const raw = error.details?.['status'];
      if (raw === undefined || raw === null) return 'failure';
      const status = Number(raw);
      return !Number.isInteger(status) || status >= 500 || status === 429 ? 'failure' : 'success';
    }
    case 'AGENT_BUDGET':
      // `used` (spec's AgentBudgetDetails) is the step's own use: 0, and no call was made.
      return error.details?.['used'] === 0 ? 'ignore' : 'success';
    case 'AGENT_OUTPUT':
    case 'AGENT_MAX_TURNS':
      return 'success';
    default:
      return undefined;
  }
}

/** What the worker asks of the `agent-task` type, answered by its executor (`createAgentExecutor`). */
export const AGENT_EXECUTOR_TRAITS = {
  type: 'agent-task',
  // Agents wait on their provider most of the time; their tools' scripts run in a sandbox pool of their own.
  defaultConcurrency: 10,
  circuitKey: agentCircuitKey,
  circuitVerdict: agentCircuitVerdict,
} as const satisfies ExecutorTraits;
