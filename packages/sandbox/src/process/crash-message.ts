import type { PoolOutcome } from './process-pool.js';
import { describeExit } from './sandbox-process.js';

/** The sandbox error of a run the pool ended without an answer from its process. */
export function unansweredError(
  outcome: Exclude<PoolOutcome, { type: 'reply' }>,
  what: string,
  timeoutMs: number,
): { code: 'SANDBOX_CRASHED' | 'TIMEOUT' | 'CANCELLED'; message: string; details?: Record<string, unknown> } {
  switch (outcome.type) {
    case 'crashed':
      return {
        code: 'SANDBOX_CRASHED',
        message: `the sandbox process running the ${what} died (${describeExit(outcome.exit)}); a fresh one replaced it`,
        details: { signal: outcome.exit.signal, exitCode: outcome.exit.code, ...(outcome.exit.reason ? { reason: outcome.exit.reason } : {}) },
      };
    case 'expired':
      return { code: 'TIMEOUT', message: `the ${what} exceeded its ${timeoutMs} ms timeout and its sandbox process had to be killed` };
    case 'cancelled':
      return { code: 'CANCELLED', message: outcome.started ? `the ${what} was cancelled` : `the ${what} was cancelled before it started` };
    case 'unavailable':
      return { code: 'SANDBOX_CRASHED', message: `no sandbox process could run the ${what}: ${outcome.message}` };
  }
}
