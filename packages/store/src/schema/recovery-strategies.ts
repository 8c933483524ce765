import { foreignKey, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { namespaces } from './namespaces.js';

/**
 * Recovery strategies registered through the API (`registerRecoveryStrategy`), per namespace, keyed
 * by step type (`http`) or step id (`primary-processor`). A step's own `onError` takes precedence
 * over both, a step id over a type. Every coordinator reads them, so all apply the same; an
 * execution gets its namespace's.
 */
export const recoveryStrategies = pgTable(
  'recovery_strategies',
  {
    namespace: text('namespace').notNull(),
    target: text('target').notNull(),
    strategy: jsonb('strategy').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'recovery_strategies_pkey', columns: [t.namespace, t.target] }),
    foreignKey({ name: 'recovery_strategies_namespace_fk', columns: [t.namespace], foreignColumns: [namespaces.name] }),
  ],
);
