import type { ExecuteWorkflowResult } from '@agentic-flow/spec';
import { IDEMPOTENCY_KEY_TAKEN, findIdempotentStart } from '@agentic-flow/store';
import type { PendingAudit } from '../auth/pending-audit.js';
import { DomainError } from '../errors/domain-error.js';
import { contentHash } from '../workflows/canonical-json.js';
import { startExecution } from './execution-starter.js';
import type { CoordinatorServices } from './coordinator-services.js';

/** How long a start's `Idempotency-Key` stays taken (per namespace). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

export interface StartRequest {
  variables: Record<string, unknown>;
  version?: string;
  tokenBudget?: number;
}

/** A start, or the earlier start its `Idempotency-Key` made (`replayed`): then nothing new was started. */
export interface IdempotentStartResult extends ExecuteWorkflowResult {
  replayed: boolean;
}

/**
 * Starts an execution; with an `Idempotency-Key`, at most once per key and namespace for 24 hours.
 * The key is claimed in the execution's own transaction, so a start whose key is taken writes
 * nothing: the caller gets the first start's execution id (its status now), or
 * `IDEMPOTENCY_CONFLICT` when the key was used for a different request. Retrying a start whose
 * answer was lost (a timeout, a coordinator killed mid-answer) is therefore safe.
 */
export async function startIdempotently(
  deps: CoordinatorServices,
  namespace: string,
  workflowId: string,
  request: StartRequest,
  key: string | undefined,
  audit: PendingAudit | undefined,
): Promise<IdempotentStartResult> {
  const options = { ...request, audit };
  if (key === undefined) return { ...(await startExecution(deps, namespace, workflowId, options)), replayed: false };
  // What makes two requests "the same": the workflow asked for and the body, key order aside.
  const requestHash = contentHash({ workflowId, version: request.version ?? null, variables: request.variables, tokenBudget: request.tokenBudget ?? null });
  try {
    return {
      ...(await startExecution(deps, namespace, workflowId, { ...options, idempotency: { key, requestHash, ttlMs: IDEMPOTENCY_KEY_TTL_MS } })),
      replayed: false,
    };
  } catch (error) {
    if ((error as { message?: unknown }).message !== IDEMPOTENCY_KEY_TAKEN) throw error;
  }
  const earlier = await findIdempotentStart(deps.pool, namespace, key, new Date(deps.now()));
  // Taken at the claim, gone now: it expired in between (a day-old key in a race). Start afresh once.
  if (!earlier)
    return {
      ...(await startExecution(deps, namespace, workflowId, { ...options, idempotency: { key, requestHash, ttlMs: IDEMPOTENCY_KEY_TTL_MS } })),
      replayed: false,
    };
  if (earlier.requestHash !== requestHash) {
    throw new DomainError(
      'IDEMPOTENCY_CONFLICT',
      `Idempotency-Key "${key}" was used for a different request (execution ${earlier.executionId}); use a new key for a new start`,
    );
  }
  return { executionId: earlier.executionId, status: earlier.status, replayed: true };
}
