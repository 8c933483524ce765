import { jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
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
  },
  (t) => [primaryKey({ columns: [t.executionId, t.key] })],
);
