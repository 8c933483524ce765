import { check, integer, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { oneOf } from './one-of.js';
import { STEP_RUN_STATUSES } from './statuses.js';
import { workflowExecutions } from './workflow-executions.js';

/**
 * One row per attempt of a step and per loop iteration. `id` is also the BullMQ job id, so a
 * duplicate delivery finds its row; (execution_id, instance_key, attempt) is unique so a
 * coordinator that applies the same transition twice cannot create a second run.
 */
export const stepRuns = pgTable(
  'step_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id, { onDelete: 'cascade' }),
    stepId: text('step_id').notNull(),
    /** The step's key within its loop iteration, e.g. `fetch` or `loop#2/process`. */
    instanceKey: text('instance_key').notNull(),
    stepType: text('step_type').notNull(),
    attempt: integer('attempt').notNull(),
    status: text('status', { enum: STEP_RUN_STATUSES }).notNull(),
    input: jsonb('input'),
    output: jsonb('output'),
    error: jsonb('error'),
    queuedAt: timestamp('queued_at', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    workerId: text('worker_id'),
    /** Agent steps: `{ provider, model, usage }` of the run. */
    agent: jsonb('agent'),
    /** Agent steps: every message, tool call and tool result. Read only by the transcript API. */
    transcript: jsonb('transcript'),
    /** http steps: `{ status, headers }` of the response; the body is `output`. */
    response: jsonb('response'),
  },
  (t) => [
    unique('step_runs_execution_instance_attempt_key').on(t.executionId, t.instanceKey, t.attempt),
    check('step_runs_status_check', oneOf(t.status, STEP_RUN_STATUSES)),
    // No index on `status` or `queued_at`: completing a run then changes no indexed column, so the
    // update is HOT (heap-only, no index writes; see the fillfactor in migration 0001). An
    // execution's runs are found through the unique index's `execution_id` prefix.
  ],
);
