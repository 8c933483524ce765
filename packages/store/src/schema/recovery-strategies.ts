import { check, foreignKey, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { namespaces } from './namespaces.js';
import { oneOf } from './one-of.js';
import { STEP_TYPES } from './statuses.js';

/**
 * Recovery strategies registered through the API (`registerRecoveryStrategy`), per namespace:
 * - for a step type (`workflow_id` null, `target` `http`): every workflow of the namespace;
 * - for a step of one workflow (`workflow_id` set, `target` the step id): that workflow's step
 *   only, in every version of it. A step id alone named no workflow and so applied to any step of
 *   that id anywhere in the namespace (issue 15): migration 0012 scoped those rows.
 * A step's own `onError` takes precedence over both, a step id over a type. Every coordinator reads
 * them, so all apply the same; an execution gets its namespace's.
 */
export const recoveryStrategies = pgTable(
  'recovery_strategies',
  {
    namespace: text('namespace').notNull(),
    /** The workflow whose step `target` is; null: `target` is a step type, for every workflow. */
    workflowId: text('workflow_id'),
    target: text('target').notNull(),
    strategy: jsonb('strategy').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // NULLS NOT DISTINCT: one type-level strategy per (namespace, type), as one per (namespace, workflow, step).
    unique('recovery_strategies_key').on(t.namespace, t.workflowId, t.target).nullsNotDistinct(),
    foreignKey({ name: 'recovery_strategies_namespace_fk', columns: [t.namespace], foreignColumns: [namespaces.name] }),
    check('recovery_strategies_target_check', sql`${t.workflowId} is not null or ${oneOf(t.target, STEP_TYPES)}`),
  ],
);
