import { failureOwnerKey, type ExecutionState } from '@agentic-flow/engine';
import { StepJobSchema, type DeadLetter, type DeadLetterQueue } from '@agentic-flow/queue';
import { DEFAULT_NAMESPACE, type DeadLetterRetryResult } from '@agentic-flow/spec';
import { findExecution, findOpenError, namespacesOfRuns } from '@agentic-flow/store';
import type { PendingAudit } from '../auth/pending-audit.js';
import { DomainError } from '../errors/domain-error.js';
import { changeExecution } from './lifecycle.js';
import { resolveError } from './resolve-error.js';
import type { CoordinatorServices } from './coordinator-services.js';

/**
 * Runs a dead-lettered step again, in the way its execution can use:
 * - its step is escalated (waiting for a human) → the escalation is resolved with `retry`;
 * - its execution failed → the execution resumes from the failure (failed steps run again);
 * - its run is still queued or running in the execution's state (the result never arrived) → the
 *   same job goes back to waiting.
 * Anything else (the failure was skipped, replaced, rolled back, or the execution is over) is `INVALID_STATE`:
 * running the step again could change nothing, so the entry can only be discarded.
 */
export async function retryDeadLetter(
  deps: CoordinatorServices,
  dlq: DeadLetterQueue,
  namespace: string,
  stepType: string,
  jobId: string,
  audit?: PendingAudit,
): Promise<DeadLetterRetryResult> {
  const letter = await findDeadLetter(deps, dlq, namespace, stepType, jobId);
  if (!letter) throw deadLetterNotFound(stepType, jobId);
  const parsed = StepJobSchema.safeParse(letter.job.data);
  if (!parsed.success) throw new DomainError('INVALID_STATE', `${stepType} job ${jobId} does not carry a step job this release can read; discard it`);
  const data = parsed.data;
  const execution = await findExecution(deps.db, data.executionId, namespace);
  if (!execution) throw new DomainError('INVALID_STATE', `execution ${data.executionId} of ${stepType} job ${jobId} no longer exists; discard the job`);
  const state = execution.state as ExecutionState;
  const node = state.nodes[data.instanceKey];
  const sameRun = node?.attempt === data.attempt;
  // A part's failure (a coordinator agent's subtask or synthesis) is its host's: that is the node that escalated.
  const escalatedKey = failureOwnerKey(state, data.instanceKey);
  const escalated = escalatedKey !== data.instanceKey ? state.nodes[escalatedKey] : sameRun ? node : undefined;

  let outcome: DeadLetterRetryResult['outcome'];
  let status: string;
  if (escalated?.status === 'escalated') {
    const error = await findOpenError(deps.db, { executionId: data.executionId, instanceKey: escalatedKey, attempt: escalated.attempt });
    if (!error) throw new DomainError('INVALID_STATE', `step ${escalatedKey} of execution ${data.executionId} is escalated but has no open error`);
    status = (await resolveError(deps, namespace, error.id, { action: 'retry' }, audit)).status;
    outcome = 'resolved';
  } else if (execution.status === 'failed') {
    status = (await changeExecution(deps, namespace, data.executionId, { type: 'resume' }, audit)).status;
    outcome = 'resumed';
  } else if (sameRun && (node.status === 'queued' || node.status === 'running')) {
    await letter.job.retry('failed');
    return { jobId, executionId: data.executionId, outcome: 'requeued', executionStatus: execution.status };
  } else {
    throw new DomainError(
      'INVALID_STATE',
      `cannot retry ${stepType} job ${jobId}: execution ${data.executionId} is ${execution.status} and its step ${data.instanceKey} is ${node?.status ?? 'gone'}; ` +
        'the failure was already handled, so only discarding the entry is left',
    );
  }
  // The step runs again as a new attempt with a job of its own: this entry is done with.
  await letter.job.remove().catch((error: unknown) => deps.logger.warn({ err: error, jobId }, 'removing a retried dead letter failed'));
  return { jobId, executionId: data.executionId, outcome, executionStatus: status };
}

/**
 * The namespace each dead letter belongs to, by job id: its execution's (a job's id is its step
 * run's). A job whose run is not in the database (a forged or broken job, or one whose execution
 * is gone) belongs to `default`, so it can still be inspected and discarded.
 */
export async function deadLetterNamespaces(deps: Pick<CoordinatorServices, 'db'>, jobIds: readonly string[]): Promise<(jobId: string) => string> {
  const places = await namespacesOfRuns(deps.db, jobIds);
  return (jobId) => places.get(jobId) ?? DEFAULT_NAMESPACE;
}

/** The dead letter if it exists and belongs to `namespace`; one of another namespace is as good as absent. */
export async function findDeadLetter(
  deps: Pick<CoordinatorServices, 'db'>,
  dlq: DeadLetterQueue,
  namespace: string,
  stepType: string,
  jobId: string,
): Promise<DeadLetter | undefined> {
  const [letter, namespaceOfJob] = await Promise.all([dlq.find(stepType, jobId), deadLetterNamespaces(deps, [jobId])]);
  return letter && namespaceOfJob(jobId) === namespace ? letter : undefined;
}

export function deadLetterNotFound(stepType: string, jobId: string): DomainError<'DEAD_LETTER_NOT_FOUND'> {
  return new DomainError('DEAD_LETTER_NOT_FOUND', `the dead letter queue has no ${stepType} job ${jobId}`);
}
