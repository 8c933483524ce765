import type { TokenUsage } from '@agentic-flow/spec';
import type { ExecutionState, UsageTotals } from './execution-state.js';

/**
 * Token accounting: every agent result the engine applies adds its `usage` to the execution's
 * totals (plans, subtasks, syntheses and failed runs alike); a result the engine ignores (late,
 * duplicate, of a finished execution) adds nothing.
 */

/**
 * What an execution's agent runs used so far; zeros before the first agent result.
 *
 * @example
 * const { inputTokens, outputTokens, costUsd } = usageOf(state);
 */
export function usageOf(state: ExecutionState): UsageTotals {
  return state.usage ?? { inputTokens: 0, outputTokens: 0, costUsd: 0 };
}

/** The totals with `usage` added; a run without a cost adds none. */
export function addUsage(totals: UsageTotals | undefined, usage: TokenUsage): UsageTotals {
  return {
    inputTokens: (totals?.inputTokens ?? 0) + usage.inputTokens,
    outputTokens: (totals?.outputTokens ?? 0) + usage.outputTokens,
    // Rounded to a nano-dollar, as the worker rounds each run's cost, so sums don't show float noise.
    costUsd: Math.round(((totals?.costUsd ?? 0) + (usage.costUsd ?? 0)) * 1e9) / 1e9,
  };
}

/**
 * The tokens an execution may still use: its `tokenBudget` minus the input and output tokens its
 * agent runs used; undefined when it has no budget. Zero or less means it is used up.
 */
export function remainingTokens(state: ExecutionState): number | undefined {
  if (state.tokenBudget === undefined) return undefined;
  const { inputTokens, outputTokens } = usageOf(state);
  return state.tokenBudget - (inputTokens + outputTokens);
}
