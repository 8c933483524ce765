import { check, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { bigintString } from './bigint-string.js';
import { oneOf } from './one-of.js';
import { LOG_LEVELS } from './statuses.js';
import { workflowExecutions } from './workflow-executions.js';

/**
 * An execution's log lines (engine events, captured `console.*` of scripts). The identity key gives
 * a total order per execution, so clients page and tail with `id > last`.
 */
export const workflowLogs = pgTable(
  'workflow_logs',
  {
    id: bigintString('id').primaryKey().generatedAlwaysAsIdentity(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id, { onDelete: 'cascade' }),
    // No foreign key: a log line may be written for a step run in the same batch that creates it,
    // and both go away with the execution anyway.
    stepRunId: uuid('step_run_id'),
    stepId: text('step_id'),
    level: text('level', { enum: LOG_LEVELS }).notNull(),
    message: text('message').notNull(),
    data: jsonb('data'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('workflow_logs_level_check', oneOf(t.level, LOG_LEVELS)), index('workflow_logs_execution_id_idx').on(t.executionId, t.id)],
);
