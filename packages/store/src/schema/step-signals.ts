import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { workflowExecutions } from './workflow-executions.js';

/**
 * Step signals waiting to be delivered (the engine's `schedule-signal` commands): a `wait` step's
 * timer, a `workflow` step's child that settled. Written in the transaction whose state asked for
 * it, deleted in the transaction that applies it as a `step.signal` event: PostgreSQL holds a timer
 * while it waits, so none is lost with a coordinator or with Redis (docs/architecture.md, Step
 * signals). Coordinators claim due rows with `FOR UPDATE SKIP LOCKED`, in `due_at` order.
 */
export const stepSignals = pgTable(
  'step_signals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id, { onDelete: 'cascade' }),
    /** The step instance the signal is for, and its run's attempt: a signal for an earlier attempt is ignored. */
    instanceKey: text('instance_key').notNull(),
    attempt: integer('attempt').notNull(),
    /** The engine's `StepSignal`. */
    signal: jsonb('signal').notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('step_signals_due_at_idx').on(t.dueAt), index('step_signals_execution_id_idx').on(t.executionId)],
);
