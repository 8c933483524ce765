import type { AgentBudgetDetails, TokenUsage } from '@agentic-flow/spec';
import { AgentFailure } from './agent-failure.js';

/**
 * The execution's token budget as one agent step sees it: what was left when its job was
 * enqueued. Tokens are input plus output tokens of this step's calls. A call cannot be stopped
 * half-way, so a step can overshoot by one call; it then fails and its output is dropped, and the
 * coordinator stops the execution from spending more.
 */
export class TokenBudget {
  constructor(private readonly remainingTokens: number | undefined) {}

  /** Before a call: fails when nothing is left to spend. */
  checkBefore(usage: TokenUsage): void {
    const used = tokensOf(usage);
    if (this.remainingTokens !== undefined && used >= this.remainingTokens) {
      throw this.exceeded(used, `the token budget is exhausted: this step used ${used} of the ${this.remainingTokens} tokens the execution had left`);
    }
  }

  /** After a call: fails when the call went past the budget. */
  checkAfter(usage: TokenUsage): void {
    const used = tokensOf(usage);
    if (this.remainingTokens !== undefined && used > this.remainingTokens) {
      throw this.exceeded(used, `the token budget is exceeded: this step used ${used} tokens, the execution had ${this.remainingTokens} left`);
    }
  }

  /** Only called with a budget: `remainingTokens` is a number there. */
  private exceeded(used: number, message: string): AgentFailure {
    const details: AgentBudgetDetails = { budget: this.remainingTokens!, used };
    return new AgentFailure('AGENT_BUDGET', message, details);
  }
}

export function tokensOf(usage: TokenUsage): number {
  return usage.inputTokens + usage.outputTokens;
}

/** Adds one call's usage; the cost is summed over the calls that were priced and absent when none was. */
export function addUsage(total: TokenUsage, call: TokenUsage): TokenUsage {
  const sum: TokenUsage = { inputTokens: total.inputTokens + call.inputTokens, outputTokens: total.outputTokens + call.outputTokens };
  if (total.costUsd === undefined && call.costUsd === undefined) return sum;
  // Rounded to a nano-dollar, as providers round each call's cost, so sums don't show float noise.
  return { ...sum, costUsd: Math.round(((total.costUsd ?? 0) + (call.costUsd ?? 0)) * 1e9) / 1e9 };
}
