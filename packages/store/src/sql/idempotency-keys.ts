import { jsonLiteral } from './literal.js';

/** The message the key claim aborts its transaction with when the key is taken (and not expired). */
export const IDEMPOTENCY_KEY_TAKEN = 'af: idempotency key taken';

/** An execution start's `Idempotency-Key`, written with the execution it started. */
export interface NewIdempotencyKey {
  namespace: string;
  key: string;
  requestHash: string;
  executionId: string;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * Claims the keys for their executions, or aborts the whole transaction (nothing of the start is
 * kept) when one is held by an earlier start that has not expired. An expired row is taken over in
 * place, so expiry needs no pruning to be correct; pruning only bounds the table. Two starts with one
 * key at once: the second waits on the first's uncommitted row, then aborts if it committed.
 */
export function claimIdempotencyKeysSql(rows: readonly NewIdempotencyKey[]): string {
  return `with claimed as (
            insert into idempotency_keys (namespace, key, request_hash, execution_id, created_at, expires_at)
            select v.namespace, v.key, v."requestHash", v."executionId", v."createdAt", v."expiresAt"
              from jsonb_to_recordset(${jsonLiteral(rows)})
                as v(namespace text, key text, "requestHash" text, "executionId" uuid, "createdAt" timestamptz, "expiresAt" timestamptz)
            on conflict (namespace, key) do update
               set request_hash = excluded.request_hash, execution_id = excluded.execution_id,
                   created_at = excluded.created_at, expires_at = excluded.expires_at
             where idempotency_keys.expires_at <= excluded.created_at
            returning 1)
          select af_assert((select count(*) from claimed) = ${rows.length}, '${IDEMPOTENCY_KEY_TAKEN}')`;
}
