import { index, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { workflowExecutions } from './workflow-executions.js';

/**
 * `Idempotency-Key`s of execution starts (`POST /v1/workflows/:id/executions`), per namespace: the
 * start they made, and a hash of the request that made it. Written in the transaction that inserts
 * the execution, so a key names a start exactly when that start committed. A key is taken until
 * `expires_at` (24 hours); the leader deletes expired rows, and a start with an expired key takes it
 * over (the insert's `on conflict … where expires_at <= now`).
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    namespace: text('namespace').notNull(),
    key: text('key').notNull(),
    /** SHA-256 (hex) of the canonical JSON of the start's workflow id, version, variables and token budget. */
    requestHash: text('request_hash').notNull(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ name: 'idempotency_keys_pkey', columns: [t.namespace, t.key] }), index('idempotency_keys_expires_idx').on(t.expiresAt)],
);
