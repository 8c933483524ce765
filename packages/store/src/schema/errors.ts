import { check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { oneOf } from './one-of.js';
import { ERROR_STATUSES, RECOVERY_STRATEGY_KINDS } from './statuses.js';
import { workflowExecutions } from './workflow-executions.js';

/**
 * One row per final step failure, with the recovery strategy the engine applied. An escalated
 * failure stays `open` until `resolveError` closes it; the others are `closed` when written.
 * `getErrorStatistics` counts these rows.
 */
export const errors = pgTable(
  'errors',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id, { onDelete: 'cascade' }),
    /** The execution's namespace, copied when the row is written, so lists and statistics filter without a join. */
    namespace: text('namespace').notNull(),
    stepRunId: uuid('step_run_id'),
    stepId: text('step_id').notNull(),
    instanceKey: text('instance_key').notNull(),
    attempt: integer('attempt').notNull(),
    stepType: text('step_type').notNull(),
    code: text('code').notNull(),
    message: text('message').notNull(),
    details: jsonb('details'),
    strategy: text('strategy', { enum: RECOVERY_STRATEGY_KINDS }).notNull(),
    /** An escalation's `escalationHandler`: who is asked to decide. */
    escalationHandler: text('escalation_handler'),
    status: text('status', { enum: ERROR_STATUSES }).notNull(),
    resolution: jsonb('resolution'),
    // Millisecond precision, as the coordinator writes it: the list's keyset cursors compare exactly.
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`date_trunc('milliseconds', now())`),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [
    check('errors_strategy_check', oneOf(t.strategy, RECOVERY_STRATEGY_KINDS)),
    check('errors_status_check', oneOf(t.status, ERROR_STATUSES)),
    index('errors_created_idx').on(t.namespace, t.createdAt),
    index('errors_execution_idx').on(t.executionId, t.createdAt),
    index('errors_status_created_idx').on(t.namespace, t.status, t.createdAt.desc().nullsFirst()),
  ],
);
