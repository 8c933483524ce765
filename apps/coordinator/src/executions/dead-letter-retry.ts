import { agentPartOf, type ExecutionState } from '@agentic-flow/engine';
import { StepJobSchema, type DeadLetterQueue } from '@agentic-flow/queue';
import type { DeadLetterRetryResult } from '@agentic-flow/spec';
import { findExecution, findOpenError } from '@agentic-flow/store';
import { ApiError } from '../http/api-error.js';
import { changeExecution } from './lifecycle.js';
import { resolveError } from './resolve-error.js';
import type { TransitionDeps } from './transition-deps.js';

/**
 * Runs a dead-lettered step again, in the way its execution can use:
 * - its step is escalated (waiting for a human) → the escalation is resolved with `retry`;
 * - its execution failed → the execution resumes from the failure (failed steps run again);
 * - its run is still queued or running in the execution's state (the result never arrived) → the
 *   same job goes back to waiting.
 * Anything else (the failure was skipped, replaced, rolled back, or the execution is over) is a 409:
 * running the step again could change nothing, so the entry can only be discarded.
 */
export async function retryDeadLetter(deps: TransitionDeps, dlq: DeadLetterQueue, stepType: string, jobId: string): Promise<DeadLetterRetryResult> {
  const letter = await dlq.find(stepType, jobId);
  if (!letter) throw new ApiError('DEAD_LETTER_NOT_FOUND', `the dead letter queue has no ${stepType} job ${jobId}`);
  const parsed = StepJobSchema.safeParse(letter.job.data);
  if (!parsed.success) throw new ApiError('INVALID_STATE', `${stepType} job ${jobId} does not carry a step job this release can read; discard it`);
  const data = parsed.data;
  const execution = await findExecution(deps.db, data.executionId);
  if (!execution) throw new ApiError('INVALID_STATE', `execution ${data.executionId} of ${stepType} job ${jobId} no longer exists; discard the job`);
  const state = execution.state as ExecutionState;
  const node = state.nodes[data.instanceKey];
  const sameRun = node?.attempt === data.attempt;
  // A coordinator agent's subtask or synthesis fails its coordinator: that is the node that escalated.
  const coordinatorKey = agentPartOf(data.instanceKey)?.coordinatorKey;
  const escalated = coordinatorKey !== undefined ? state.nodes[coordinatorKey] : sameRun ? node : undefined;
  const escalatedKey = coordinatorKey ?? data.instanceKey;

  let outcome: DeadLetterRetryResult['outcome'];
  let status: string;
  if (escalated?.status === 'escalated') {
    const error = await findOpenError(deps.db, { executionId: data.executionId, instanceKey: escalatedKey, attempt: escalated.attempt });
    if (!error) throw new ApiError('INVALID_STATE', `step ${escalatedKey} of execution ${data.executionId} is escalated but has no open error`);
    status = (await resolveError(deps, error.id, { action: 'retry' })).status;
    outcome = 'resolved';
  } else if (execution.status === 'failed') {
    status = (await changeExecution(deps, data.executionId, { type: 'resume' })).status;
    outcome = 'resumed';
  } else if (sameRun && (node.status === 'queued' || node.status === 'running')) {
    await letter.job.retry('failed');
    return { jobId, executionId: data.executionId, outcome: 'requeued', executionStatus: execution.status };
  } else {
    throw new ApiError(
      'INVALID_STATE',
      `cannot retry ${stepType} job ${jobId}: execution ${data.executionId} is ${execution.status} and its step ${data.instanceKey} is ${node?.status ?? 'gone'}; ` +
        'the failure was already handled, so only discarding the entry is left',
    );
  }
  // The step runs again as a new attempt with a job of its own: this entry is done with.
  await letter.job.remove().catch((error: unknown) => deps.logger.warn({ err: error, jobId }, 'removing a retried dead letter failed'));
  return { jobId, executionId: data.executionId, outcome, executionStatus: status };
}
