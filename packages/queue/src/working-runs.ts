import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX, RESULTS_QUEUE } from './names.js';

/**
 * "A worker is running this step run right now": a key each worker writes again, every
 * WORKING_REFRESH_MS, for every run it holds. BullMQ's own evidence of that — the job and its lock —
 * lives in Redis, and a FLUSHALL erases it while the worker goes on running the step and will report
 * its result; the reconciler, seeing neither job nor result, would run the step a second time beside
 * the first. Within one interval of a flush the worker's markers are back, and the reconciler acts
 * only on a run it has seen lost for LOST_CONFIRM_MS, longer than an interval.
 *
 * Written on a timer for all running runs in one pipeline, never per job: a run shorter than an
 * interval has reported its result (the reported-result marker) before it could need this.
 */
export const WORKING_REFRESH_MS = 2_000;
/** Four intervals: a worker whose event loop lags by a few seconds keeps its markers. */
export const WORKING_MARKER_TTL_MS = 4 * WORKING_REFRESH_MS;
/** Three intervals: a live worker has written its markers again between two looks this far apart. */
export const LOST_CONFIRM_MS = 3 * WORKING_REFRESH_MS;

export function workingMarkerKey(prefix: string | undefined, stepRunId: string): string {
  return `${prefix ?? DEFAULT_PREFIX}:${RESULTS_QUEUE}:working:${stepRunId}`;
}

/** Marks `stepRunIds` as running on `workerId`, in one round trip. */
export async function markWorking(connection: Redis, prefix: string | undefined, stepRunIds: readonly string[], workerId: string): Promise<void> {
  if (stepRunIds.length === 0) return;
  const pipeline = connection.pipeline();
  for (const id of stepRunIds) pipeline.set(workingMarkerKey(prefix, id), workerId, 'PX', WORKING_MARKER_TTL_MS);
  const answers = (await pipeline.exec()) ?? [];
  const failed = answers.find(([error]) => error);
  if (failed) throw failed[0];
}

/** The runs of `stepRunIds` some worker marked as running within the marker's lifetime (one round trip). */
export async function workingRuns(connection: Redis, prefix: string | undefined, stepRunIds: readonly string[]): Promise<Set<string>> {
  if (stepRunIds.length === 0) return new Set();
  const pipeline = connection.pipeline();
  for (const id of stepRunIds) pipeline.exists(workingMarkerKey(prefix, id));
  const answers = (await pipeline.exec()) ?? [];
  const working = new Set<string>();
  answers.forEach(([error, exists], i) => {
    if (error) throw error;
    if (Number(exists) > 0) working.add(stepRunIds[i]!);
  });
  return working;
}
