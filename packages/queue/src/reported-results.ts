import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX, RESULTS_QUEUE } from './names.js';

/**
 * "This run's result is on `step-results`": a key a worker sets atomically with its `XADD` (one
 * script), and a coordinator deletes in the same transaction as the `XACK`/`XDEL` that follows the
 * commit applying it. BullMQ removes a completed job at once, before its result is applied; the
 * reconciler, seeing no job, asks for this key before deciding a run was lost — present: the result
 * is on its way (a consumer, or a takeover, applies it); absent: either it was never reported, or it
 * was applied and PostgreSQL, read next, says so. The TTL only bounds a leak.
 */
export const REPORTED_MARKER_TTL_MS = 24 * 60 * 60 * 1000;

export interface ReportedRun {
  stepRunId: string;
  attempt: number;
}

export function reportedMarkerKey(prefix: string | undefined, run: ReportedRun): string {
  return `${prefix ?? DEFAULT_PREFIX}:${RESULTS_QUEUE}:reported:${run.stepRunId}:${run.attempt}`;
}

/** The runs of `runs` whose result a worker reported and no coordinator has applied yet (one round trip). */
export async function reportedRuns(connection: Redis, prefix: string | undefined, runs: readonly ReportedRun[]): Promise<Set<string>> {
  if (runs.length === 0) return new Set();
  const pipeline = connection.pipeline();
  for (const run of runs) pipeline.exists(reportedMarkerKey(prefix, run));
  const answers = (await pipeline.exec()) ?? [];
  const reported = new Set<string>();
  answers.forEach(([error, exists], i) => {
    if (error) throw error;
    if (Number(exists) > 0) reported.add(runs[i]!.stepRunId);
  });
  return reported;
}

/** The marker of the step result `data` holds (what a coordinator applied), if it is one. */
export function markerOfResult(prefix: string | undefined, data: unknown): string | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const { stepRunId, attempt } = data as { stepRunId?: unknown; attempt?: unknown };
  return typeof stepRunId === 'string' && typeof attempt === 'number' ? reportedMarkerKey(prefix, { stepRunId, attempt }) : undefined;
}
