import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Recovery strategies registered through the API (`registerRecoveryStrategy`), keyed by step type
 * (`http`) or step id (`primary-processor`). A step's own `onError` takes precedence over both, a
 * step id over a type. Every coordinator reads them, so all apply the same.
 */
export const recoveryStrategies = pgTable('recovery_strategies', {
  target: text('target').primaryKey(),
  strategy: jsonb('strategy').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
