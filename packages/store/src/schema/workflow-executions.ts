import { check, foreignKey, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { oneOf } from './one-of.js';
import { EXECUTION_STATUSES } from './statuses.js';
import { workflowDefinitions } from './workflow-definitions.js';

/** Statuses of executions under way: what cluster-wide maintenance looks at. */
const ACTIVE_EXECUTION_STATUSES = ['pending', 'running', 'paused'] as const;

/** One row per run of a workflow definition. `state` is the engine's persisted state. */
export const workflowExecutions = pgTable(
  'workflow_executions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Its workflow's namespace (part of the foreign key), also in the engine state. */
    namespace: text('namespace').notNull(),
    workflowId: text('workflow_id').notNull(),
    workflowVersion: text('workflow_version').notNull(),
    status: text('status', { enum: EXECUTION_STATUSES }).notNull(),
    state: jsonb('state').notNull(),
    /** Bumped by every transition: a coordinator applying from its cached state checks it (optimistic concurrency). */
    version: integer('version').notNull().default(0),
    /** Automatic snapshots every this many ms while running; null: none. */
    snapshotIntervalMs: integer('snapshot_interval_ms'),
    variables: jsonb('variables').$type<Record<string, unknown>>().notNull(),
    error: jsonb('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** A child execution's parent (a `workflow` step started it); null for one a client started. */
    parentExecutionId: uuid('parent_execution_id'),
    /** The parent's step instance that waits for this child, and the attempt its settlement signals. */
    parentInstanceKey: text('parent_instance_key'),
    parentAttempt: integer('parent_attempt'),
    /** How many `workflow` steps deep: 0 for one a client started. */
    depth: integer('depth').notNull().default(0),
    /**
     * The top-level execution of a child's tree (its parent's root, or the parent itself when that is
     * top-level); null for one a client started. Set by the insert from the parent's row. Not a
     * foreign key: it only groups a tree for `MAX_DESCENDANT_EXECUTIONS`, and pruning a root must not
     * scan for it.
     */
    rootExecutionId: uuid('root_execution_id'),
  },
  (t) => [
    foreignKey({
      name: 'workflow_executions_definition_fk',
      columns: [t.namespace, t.workflowId, t.workflowVersion],
      foreignColumns: [workflowDefinitions.namespace, workflowDefinitions.id, workflowDefinitions.version],
    }),
    foreignKey({ name: 'workflow_executions_parent_fk', columns: [t.parentExecutionId], foreignColumns: [t.id] }).onDelete('set null'),
    check('workflow_executions_status_check', oneOf(t.status, EXECUTION_STATUSES)),
    // The list query shows one namespace, filtered by workflow and/or status, newest first,
    // keyset-paginated on (created_at, id): one index per filter shape, so every page is one index
    // range scan. The sort keys are DESC NULLS FIRST (Postgres' default for DESC, what `ORDER BY …
    // DESC` asks for); drizzle's bare `.desc()` would emit NULLS LAST, which such a query cannot use.
    index('workflow_executions_workflow_status_created_idx').on(t.namespace, t.workflowId, t.status, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('workflow_executions_workflow_created_idx').on(t.namespace, t.workflowId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('workflow_executions_status_created_idx').on(t.namespace, t.status, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('workflow_executions_created_idx').on(t.namespace, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // Cluster-wide maintenance (admission, the reconciler, automatic snapshots) looks at the
    // executions under way in every namespace; partial, so settled executions cost it nothing.
    index('workflow_executions_parent_idx').on(t.parentExecutionId).where(sql`${t.parentExecutionId} is not null`),
    index('workflow_executions_active_idx').on(t.status, t.createdAt, t.id).where(oneOf(t.status, ACTIVE_EXECUTION_STATUSES)),
    // Live descendants of one top-level execution, counted before each child start (`liveDescendants`).
    index('workflow_executions_root_live_idx')
      .on(t.rootExecutionId)
      .where(sql`${t.rootExecutionId} is not null and ${oneOf(t.status, ACTIVE_EXECUTION_STATUSES)}`),
  ],
);
