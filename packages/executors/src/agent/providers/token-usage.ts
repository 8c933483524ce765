import type { TokenUsage } from '@agentic-flow/spec';
import type { TokenPrices } from './provider-options.js';

/**
 * A token count as a provider reported it: a non-negative integer, or 0 when the field is absent
 * or unreadable. Missing usage must not fail a call whose answer is fine (some OpenAI-compatible
 * servers omit it); 0 only makes the budget more lenient.
 */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

/**
 * The usage of one call, with its cost in US dollars when prices are known.
 *
 * @example
 * usageWithCost(1_000, 500, { inputPerMTok: 0.15, outputPerMTok: 0.6 }); // { inputTokens: 1000, outputTokens: 500, costUsd: 0.00045 }
 */
export function usageWithCost(inputTokens: number, outputTokens: number, prices: TokenPrices | undefined): TokenUsage {
  if (prices === undefined) return { inputTokens, outputTokens };
  const cost = (inputTokens * prices.inputPerMTok + outputTokens * prices.outputPerMTok) / 1_000_000;
  // Rounded to a nano-dollar so sums of many calls don't show float noise (0.30000000000000004).
  return { inputTokens, outputTokens, costUsd: Math.round(cost * 1e9) / 1e9 };
}
