import type { ErrorResolutionInput, LifecycleResult } from '@agentic-flow/spec';
import { findError } from '@agentic-flow/store';
import type { PendingAudit } from '../auth/pending-audit.js';
import { DomainError } from '../errors/domain-error.js';
import { changeExecution } from './lifecycle.js';
import type { CoordinatorServices } from './coordinator-services.js';

/**
 * Applies an operator's resolution to an escalated error of `namespace` (an error of another
 * namespace is not found). Only an open escalation can be resolved;
 * the execution's lock serializes two resolutions of the same error, and the second finds the step
 * no longer escalated (`INVALID_STATE`, nothing written).
 */
export async function resolveError(
  deps: CoordinatorServices,
  namespace: string,
  errorId: string,
  resolution: ErrorResolutionInput,
  audit?: PendingAudit,
): Promise<LifecycleResult & { errorId: string }> {
  const error = await findError(deps.db, errorId, namespace);
  if (!error) throw new DomainError('ERROR_NOT_FOUND', `error ${errorId} does not exist`);
  if (error.strategy !== 'escalate') {
    throw new DomainError(
      'INVALID_STATE',
      `error ${errorId} was handled by the "${error.strategy}" strategy when it happened; only an escalated error waits for a resolution`,
    );
  }
  if (error.status !== 'open') {
    throw new DomainError(
      'INVALID_STATE',
      `error ${errorId} was already resolved at ${error.resolvedAt?.toISOString() ?? 'an earlier time'} (${JSON.stringify(error.resolution)})`,
    );
  }
  const result = await changeExecution(
    deps,
    namespace,
    error.executionId,
    { type: 'resolve-error', errorId, key: error.instanceKey, attempt: error.attempt, resolution },
    audit,
  );
  return { errorId, ...result };
}
