import type { Logger } from '@agentic-flow/telemetry';
import { ErrorCode } from 'bullmq';

/** BullMQ's message when a job's key is gone (`finishedErrors`): `Missing key for job <id>. <command>`. */
const MISSING_KEY = /^Missing key for job (.+)\. (\w+)$/;
/** BullMQ's errors for one vanished job come milliseconds apart; a minute is ample. */
const REMEMBER_MS = 60_000;
/** And a bound on memory, should a flush catch very many jobs at once. */
const REMEMBER_AT_MOST = 10_000;

/**
 * What a step queue's BullMQ `Worker` does with its `'error'` events.
 *
 * A job that vanished from Redis while it ran (Redis was flushed) cannot be finished: BullMQ's
 * completion fails with `Missing key for job <id>. moveToFinished`, its `processJob` then tries to
 * fail the job instead, which fails the same way, and each attempt emits an `'error'` — two for one
 * event. This logs it once per job, as a warning with the job's id: nothing is wrong with the
 * worker, and the run recovers on its own (the result the step reported is applied; a step that
 * reported none is enqueued again by the reconciler). Every other error is logged as it comes.
 *
 * @example
 * worker.on('error', workerErrorListener(logger, 'http'));
 */
export function workerErrorListener(logger: Logger, stepType: string, now: () => number = Date.now): (error: Error) => void {
  const seen = new Map<string, number>();
  return (error) => {
    const vanished = vanishedJob(error);
    if (vanished === undefined) {
      logger.error({ err: error, stepType }, 'queue worker error');
      return;
    }
    const at = now();
    // Oldest first (insertion order): forget what is too old, or too much.
    for (const [jobId, loggedAt] of seen) {
      if (at - loggedAt < REMEMBER_MS && seen.size < REMEMBER_AT_MOST) break;
      seen.delete(jobId);
    }
    if (seen.has(vanished.jobId)) return;
    seen.set(vanished.jobId, at);
    logger.warn(
      { stepType, jobId: vanished.jobId, command: vanished.command, reason: error.message },
      'step job vanished from Redis before it could be finished (was Redis flushed?): the result it reported is applied, or the reconciler enqueues its run again',
    );
  };
}

function vanishedJob(error: Error): { jobId: string; command: string } | undefined {
  if ((error as Error & { code?: unknown }).code !== ErrorCode.JobNotExist) return undefined;
  const match = MISSING_KEY.exec(error.message);
  return match ? { jobId: match[1]!, command: match[2]! } : undefined;
}
