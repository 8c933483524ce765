import { pendingEvaluations, type ExecutionState } from '@agentic-flow/engine';
import type { StepResult } from '@agentic-flow/queue';
import { RECONCILED_STEP_TYPES, isControlStepType, stepError, type StepError } from '@agentic-flow/spec';
import { findExecution, inFlightRuns, type InFlightRun } from '@agentic-flow/store';
import { jobsForExistingRuns } from '../executions/existing-run-jobs.js';
import type { CoordinatorServices } from '../executions/coordinator-services.js';
import type { LostRunConfirmation } from './lost-run-confirmation.js';
import { stillQueued } from './still-queued.js';

export interface ReconcileOutcome {
  checked: number;
  requeued: number;
  retried: number;
  /** Runs failed for good: POISON (their job killed its hosts too often), or INTERNAL (it kept failing without a result). */
  quarantined: number;
  /** Expressions asked again because their answer was lost with a coordinator. */
  reevaluated: number;
}

export interface ReconcileOptions {
  graceMs: number;
  limit: number;
  /** `POISON_THRESHOLD`: how often a job may fail without a result before its run fails for good. */
  poisonThreshold: number;
  /** Runs seen lost on earlier passes: only those lost for long enough are enqueued again. */
  lost: LostRunConfirmation;
}

/** BullMQ's failedReason for a job whose lock lapsed more than `maxStalledCount` times: its worker died each time. */
const STALLED_TOO_OFTEN = /stalled more than allowable limit/;

/**
 * PostgreSQL is the truth, Redis may be lost (docs/architecture.md, invariant 1): every work step run
 * PostgreSQL holds as in flight for longer than `graceMs` must have a live job. A run whose job is
 * gone (Redis flushed, an enqueue after commit that failed, a job completed whose result was lost)
 * whose result is not on its way (no reported-result marker) and that no live worker marks as
 * running (working marker), on two passes `LOST_CONFIRM_MS` apart, is enqueued again under its own id. One whose job failed without its result ever being applied is
 * retried — unless BullMQ failed it because it stalled too often (it was running on the workers'
 * WORKER_DEATH_LIMIT workers that died: it is quarantined as poison) or it already failed `poisonThreshold` times beyond its attempts:
 * then the run fails for good with a result published like a worker's, and its job stays in the dead
 * letter queue. Steps are therefore at least once, never forever; the result is applied once.
 *
 * Control steps have no job. A condition or loop waiting for an expression's answer in an execution
 * no transition has touched for `graceMs` lost that answer with the coordinator evaluating it: it is
 * asked again (answering twice is harmless).
 */
export async function reconcile(deps: CoordinatorServices, options: ReconcileOptions): Promise<ReconcileOutcome> {
  const runs = await inFlightRuns(deps.db, options.graceMs, options.limit, RECONCILED_STEP_TYPES);
  const outcome: ReconcileOutcome = { checked: runs.length, requeued: 0, retried: 0, quarantined: 0, reevaluated: 0 };
  const missing = new Map<string, InFlightRun[]>();
  const waiting = new Set<string>();
  for (const run of runs) {
    // The control steps found here ask for expressions (RECONCILED_STEP_TYPES).
    if (isControlStepType(run.stepType)) {
      waiting.add(run.executionId);
      continue;
    }
    const state = await deps.queues.jobState(run.stepType, run.id);
    if (state === 'unknown' || state === 'completed') {
      const list = missing.get(run.executionId);
      if (list) list.push(run);
      else missing.set(run.executionId, [run]);
    } else if (state === 'failed') {
      await failedWithoutResult(deps, run, options.poisonThreshold, outcome);
    }
  }
  // BullMQ removes a job once it completes, before its result is applied: a run without a job whose
  // result a worker reported is not lost, its result is on its way. Asked after the job checks, so a
  // job that completed meanwhile has set its marker by now.
  const jobless = [...missing.values()].flat();
  const reported = await deps.queues.reportedRuns(jobless.map((run) => ({ stepRunId: run.id, attempt: run.attempt })));
  // A worker still running a step whose job Redis lost (a flush) marks it working; it may not have
  // written its marker again yet, so a run must look lost on two passes far enough apart.
  const working = await deps.queues.workingRuns(jobless.map((run) => run.id));
  const lost = options.lost.confirm(
    jobless.filter((run) => !reported.has(run.id) && !working.has(run.id)).map((run) => run.id),
    deps.now(),
  );
  for (const [executionId, candidates] of missing) {
    const list = candidates.filter((run) => lost.has(run.id));
    if (list.length === 0) continue;
    // Cluster-wide: any namespace's execution, whose own workflow and strategies then apply.
    const row = await findExecution(deps.db, executionId, undefined);
    if (!row) continue;
    const state = row.state as ExecutionState;
    // Read after the marker check: a result applied since then has its run settled here (its marker
    // is deleted only after the commit), and a run cancelled meanwhile is never enqueued again.
    const queued = list.filter((run) => stillQueued(state, run));
    if (queued.length === 0) continue;
    const workflow = await deps.registry.compiled(row.namespace, row.workflowId, row.workflowVersion);
    const jobs = jobsForExistingRuns(workflow, state, queued, deps.now(), { strategies: deps.strategies.strategiesFor(row.namespace, row.workflowId) });
    await deps.queues.enqueueSteps(jobs);
    outcome.requeued += jobs.length;
  }
  for (const executionId of waiting) outcome.reevaluated += await askAgain(deps, executionId, options.graceMs);
  const { requeued, retried, quarantined, reevaluated } = outcome;
  if (requeued + retried + quarantined + reevaluated > 0)
    deps.logger.warn({ ...outcome }, 'reconciler re-enqueued, retried, quarantined or re-evaluated work that had gone missing');
  return outcome;
}

/** A run whose job failed without its result being applied: retried, or failed for good. */
async function failedWithoutResult(deps: CoordinatorServices, run: InFlightRun, threshold: number, outcome: ReconcileOutcome): Promise<void> {
  const failure = await deps.queues.jobFailure(run.stepType, run.id);
  if (failure === undefined) return;
  let error: StepError | undefined;
  if (STALLED_TOO_OFTEN.test(failure.failedReason)) {
    // BullMQ's stall count: one per worker that died holding the job; failed at WORKER_DEATH_LIMIT.
    const deaths = failure.stalls;
    error = stepError(
      'POISON',
      `the step's job was running on ${deaths} workers that died (the worker's WORKER_DEATH_LIMIT); it is quarantined in the dead letter queue`,
      { crashes: deaths },
    );
  } else if (failure.attemptsMade >= failure.attempts + threshold) {
    error = stepError(
      'INTERNAL',
      `the step's job failed ${failure.attemptsMade} times without reporting a result (last: ${failure.failedReason || 'no reason given'})`,
    );
  }
  if (error === undefined) {
    await deps.queues.retryFailed(run.stepType, run.id);
    outcome.retried += 1;
    return;
  }
  const now = deps.now();
  const result: StepResult = {
    v: 1,
    stepRunId: run.id,
    executionId: run.executionId,
    instanceKey: run.instanceKey,
    attempt: run.attempt,
    outcome: 'failed',
    error,
    logs: [],
    startedAt: now,
    finishedAt: now,
    workerId: 'reconciler',
  };
  await deps.publish(result);
  outcome.quarantined += 1;
}

/** Asks again for the expressions an execution waits on, if no transition has touched it for `graceMs`. */
async function askAgain(deps: CoordinatorServices, executionId: string, graceMs: number): Promise<number> {
  const row = await findExecution(deps.db, executionId, undefined);
  if (row?.status !== 'running' || deps.now() - row.updatedAt.getTime() < graceMs) return 0;
  const workflow = await deps.registry.compiled(row.namespace, row.workflowId, row.workflowVersion);
  const commands = pendingEvaluations(workflow, row.state as ExecutionState, deps.now());
  deps.background.continue(
    executionId,
    commands.map((command) => ({ command })),
  );
  return commands.length;
}
