import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from './names.js';

export interface SandboxCrashCounterOptions {
  /** Any command connection. */
  connection: Redis;
  prefix?: string;
  /** How long a run's count is kept after its last crash. Default {@link SANDBOX_CRASH_TTL_MS}. */
  ttlMs?: number;
}

/**
 * A day: longer than any run's retries take (BullMQ attempts with their backoff), so a count never
 * lapses between two crashes of the same run, yet it does not outlive the run for long.
 */
export const SANDBOX_CRASH_TTL_MS = 24 * 60 * 60 * 1000;

export function sandboxCrashKey(stepRunId: string, prefix: string = DEFAULT_PREFIX): string {
  return `${prefix}:sandbox-crashes:${stepRunId}`;
}

/**
 * Counts, per step run, how often its code crashed the sandbox process running it. The count is
 * kept in Redis rather than in the worker: every worker sees it, and it survives the worker that
 * saw a crash (the next attempt may run anywhere). Only a crash costs a Redis call; a step that
 * did not crash anything never touches it.
 *
 * @example
 * const crashes = await new SandboxCrashCounter({ connection, prefix: 'af' }).record(stepRunId);
 * if (crashes >= threshold) quarantine();
 */
export class SandboxCrashCounter {
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(private readonly options: SandboxCrashCounterOptions) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.ttlMs = options.ttlMs ?? SANDBOX_CRASH_TTL_MS;
  }

  /** Counts one more crash of the run (one `MULTI`: `INCR`, `PEXPIRE`) and resolves with its crashes so far. */
  async record(stepRunId: string): Promise<number> {
    const key = sandboxCrashKey(stepRunId, this.prefix);
    const replies = await this.options.connection.multi().incr(key).pexpire(key, this.ttlMs).exec();
    if (replies === null) throw new Error(`counting a sandbox crash of step run ${stepRunId}: the transaction was discarded`);
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
    return Number(replies[0]![1]);
  }
}
