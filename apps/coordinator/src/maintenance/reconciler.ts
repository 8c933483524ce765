import type { ExecutionState } from '@agentic-flow/engine';
import { findExecution, inFlightRuns, type InFlightRun } from '@agentic-flow/store';
import { jobsForExistingRuns } from '../executions/existing-run-jobs.js';
import type { TransitionDeps } from '../executions/transition-deps.js';
import { stillQueued } from './still-queued.js';

export interface ReconcileOutcome {
  checked: number;
  requeued: number;
  retried: number;
}

/**
 * PostgreSQL is the truth, Redis may be lost (ARCHITECTURE.md invariant 1): every run PostgreSQL
 * holds as in flight for longer than `graceMs` must have a live job. A run whose job is gone (Redis
 * flushed, an enqueue after commit that failed, a job completed whose result was lost) is enqueued
 * again under its own id; one whose job failed without its result ever being applied (stalled too
 * often) is retried. Steps are therefore at least once; the result is applied once.
 */
export async function reconcile(deps: TransitionDeps, options: { graceMs: number; limit: number }): Promise<ReconcileOutcome> {
  const runs = await inFlightRuns(deps.db, options.graceMs, options.limit);
  const missing = new Map<string, InFlightRun[]>();
  let retried = 0;
  for (const run of runs) {
    const state = await deps.queues.jobState(run.stepType, run.id);
    if (state === 'unknown' || state === 'completed') {
      const list = missing.get(run.executionId);
      if (list) list.push(run);
      else missing.set(run.executionId, [run]);
    } else if (state === 'failed') {
      await deps.queues.retryFailed(run.stepType, run.id);
      retried += 1;
    }
  }
  let requeued = 0;
  for (const [executionId, list] of missing) {
    const row = await findExecution(deps.db, executionId);
    if (!row) continue;
    const state = row.state as ExecutionState;
    // Read again after the job checks: a run cancelled meanwhile is never enqueued again.
    const queued = list.filter((run) => stillQueued(state, run));
    if (queued.length === 0) continue;
    const workflow = await deps.registry.compiled(row.workflowId, row.workflowVersion);
    const jobs = jobsForExistingRuns(workflow, state, queued, deps.now(), { strategies: deps.strategies.strategies });
    await deps.queues.enqueueSteps(jobs);
    requeued += jobs.length;
  }
  if (requeued + retried > 0) deps.logger.warn({ requeued, retried, checked: runs.length }, 'reconciler re-enqueued step runs that had no live job');
  return { checked: runs.length, requeued, retried };
}
