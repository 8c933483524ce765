import { check, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { oneOf } from './one-of.js';
import { EXECUTION_STATUSES, SNAPSHOT_KINDS } from './statuses.js';
import { workflowExecutions } from './workflow-executions.js';

/**
 * A copy of an execution's engine state: taken manually, periodically (`auto`) or just before a
 * restore (`restore`), so an execution can be rolled back to it and resumed.
 */
export const workflowSnapshots = pgTable(
  'workflow_snapshots',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: SNAPSHOT_KINDS }).notNull(),
    /** The execution's status when the snapshot was taken. */
    status: text('status', { enum: EXECUTION_STATUSES }).notNull(),
    state: jsonb('state').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('workflow_snapshots_kind_check', oneOf(t.kind, SNAPSHOT_KINDS)),
    check('workflow_snapshots_status_check', oneOf(t.status, EXECUTION_STATUSES)),
    index('workflow_snapshots_execution_created_idx').on(t.executionId, t.createdAt.desc().nullsFirst()),
  ],
);
