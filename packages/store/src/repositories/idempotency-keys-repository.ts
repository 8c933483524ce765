import type pg from 'pg';
import type { ExecutionStatus } from '@agentic-flow/spec';

/** The start an `Idempotency-Key` made, while the key lasts. */
export interface IdempotentStart {
  requestHash: string;
  executionId: string;
  /** The execution's status now. */
  status: ExecutionStatus;
}

/** The unexpired start `key` made in `namespace`, with its execution's status now; undefined when there is none. */
export async function findIdempotentStart(pool: pg.Pool, namespace: string, key: string, now: Date): Promise<IdempotentStart | undefined> {
  const { rows } = await pool.query<IdempotentStart>(
    `select k.request_hash as "requestHash", k.execution_id as "executionId", e.status
       from idempotency_keys k join workflow_executions e on e.id = k.execution_id
      where k.namespace = $1 and k.key = $2 and k.expires_at > $3`,
    [namespace, key, now],
  );
  return rows[0];
}

/** Deletes expired keys, `limit` rows per statement so no statement holds many locks; returns how many. */
export async function pruneIdempotencyKeys(pool: pg.Pool, now: Date, limit = 10_000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await pool.query<{ deleted: number }>(
      `with del as (delete from idempotency_keys where ctid in (select ctid from idempotency_keys where expires_at <= $1 limit $2) returning 1)
       select count(*)::int as deleted from del`,
      [now, limit],
    );
    const deleted = rows[0]?.deleted ?? 0;
    total += deleted;
    if (deleted < limit) return total;
  }
}
