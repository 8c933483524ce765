import { bigserial, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Who did what, append-only and hash-chained. `record` is the canonical JSON of the entry, the
 * text that is hashed: `hash = sha256(prev_hash || record)`, `prev_hash` being the hash of the row
 * before (by `seq`; '' for the first). The other columns repeat the record's fields for queries;
 * verification checks they agree with it. A trigger (migration 0008) refuses UPDATE, DELETE and
 * TRUNCATE, and rows are inserted under a transaction-level advisory lock, so `seq` order is commit
 * order and the chain has no forks.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    actor: text('actor').notNull(),
    role: text('role'),
    namespace: text('namespace'),
    action: text('action').notNull(),
    target: text('target').notNull(),
    requestId: text('request_id').notNull(),
    clientAddress: text('client_address'),
    /** `ok`, `failed` (the call was allowed and answered an error), `denied` (403), `unauthenticated` (401). */
    outcome: text('outcome').notNull(),
    status: integer('status').notNull(),
    record: text('record').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_log_at_idx').on(t.at.desc().nullsFirst())],
);
