import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { workflowExecutions } from './workflow-executions.js';

/**
 * An execution's step instances (the engine state's `nodes`, by instance key), one row each: a
 * transition writes the nodes it changed, not the whole state (docs/architecture.md, State storage).
 * `af_execution_state(id, state)` puts them back into the state for every reader.
 */
export const executionNodes = pgTable(
  'execution_nodes',
  {
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    node: jsonb('node').notNull(),
    /** Whether the node is escalated, for the overview's partial index (a column of its own so node updates stay HOT). */
    escalated: boolean('escalated').generatedAlwaysAs(sql`(node ->> 'status') = 'escalated'`),
  },
  (t) => [primaryKey({ columns: [t.executionId, t.key] }), index('execution_nodes_escalated_idx').on(t.executionId).where(sql`escalated`)],
);
