import type { StepJob, StepQueues } from '@agentic-flow/queue';
import type { Logger } from '@agentic-flow/telemetry';

/**
 * Runs after the transaction committed. A failure here leaves step runs queued in Postgres without
 * a job; that is logged, never thrown: the transition itself is durable and must not be retried.
 */
export async function enqueueAfterCommit(
  queues: StepQueues,
  logger: Logger,
  jobs: readonly StepJob[],
  withdrawals: readonly { stepType: string; stepRunId: string }[],
): Promise<void> {
  try {
    await Promise.all([jobs.length > 0 ? queues.enqueueSteps(jobs) : undefined, withdrawals.length > 0 ? queues.removeSteps(withdrawals) : undefined]);
  } catch (error) {
    logger.error({ err: error, stepRunIds: jobs.map((j) => j.stepRunId) }, 'enqueue after commit failed; step runs stay queued in Postgres');
  }
}
