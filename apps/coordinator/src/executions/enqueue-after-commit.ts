import type { StepJob, StepQueues, StepCancellationPublisher } from '@agentic-flow/queue';
import type { Logger } from '@agentic-flow/telemetry';
import type { ChildAction, ChildActionSink } from './child-action.js';
import { traceJobs } from './trace-jobs.js';

/** A step run's job: the queue is its step type's, the job id its run id. */
export interface StepJobRef {
  stepType: string;
  stepRunId: string;
}

export interface AfterCommitWork {
  /** Jobs of runs to start. */
  jobs: readonly StepJob[];
  /** Runs the transaction cancelled: their jobs are removed, and workers running one abort it. */
  cancelled: readonly StepJobRef[];
  /** Runs held back (a pause): their waiting jobs are removed; a job already running finishes. */
  withdrawn?: readonly StepJobRef[];
  /** Child executions to start or signal (`workflow` steps). */
  children?: readonly ChildAction[];
  /** The earliest due time (epoch ms) of the step signals the transaction wrote, if it wrote any. */
  signalsDueAt?: number;
}

/**
 * Runs after the transaction committed. A failure here leaves step runs queued in Postgres without
 * a job; that is logged, never thrown: the transition itself is durable and must not be retried.
 *
 * Removing a job cannot stop a worker that already runs it, so the cancelled runs are also
 * published, in one message for the whole transaction (`StepCancellationPublisher`): the worker
 * running one aborts it and completes its job without a result.
 */
export async function enqueueAfterCommit(
  deps: {
    queues: StepQueues;
    cancellations: StepCancellationPublisher;
    logger: Logger;
    signalsWritten?: (dueAt: number) => void;
    children?: ChildActionSink;
  },
  work: AfterCommitWork,
): Promise<void> {
  const { cancelled, withdrawn = [] } = work;
  // A timer due before the next poll gets a pass of its own at its due time (best effort: the poll is the guarantee).
  if (work.signalsDueAt !== undefined) deps.signalsWritten?.(work.signalsDueAt);
  // Not awaited: a child's start is a transaction of its own, and the child reconciler covers one lost here.
  if (work.children && work.children.length > 0) deps.children?.apply(work.children);
  // Each job carries its trace context (when traces are exported) so the worker's spans join the execution's trace.
  const { jobs, end } = traceJobs(work.jobs);
  const removals = [...cancelled, ...withdrawn];
  await Promise.all([
    (async () => {
      try {
        await Promise.all([jobs.length > 0 ? deps.queues.enqueueSteps(jobs) : undefined, removals.length > 0 ? deps.queues.removeSteps(removals) : undefined]);
        end();
      } catch (error) {
        end(error);
        deps.logger.error({ err: error, stepRunIds: jobs.map((j) => j.stepRunId) }, 'enqueue after commit failed; step runs stay queued in Postgres');
      }
    })(),
    (async () => {
      if (cancelled.length === 0) return;
      try {
        await deps.cancellations.publish(cancelled.map((run) => run.stepRunId));
      } catch (error) {
        // The runs are cancelled in PostgreSQL all the same: a worker still running one finishes it and its result is ignored.
        deps.logger.warn({ err: error, stepRunIds: cancelled.map((run) => run.stepRunId) }, 'could not signal cancelled step runs to workers');
      }
    })(),
  ]);
}
