import { sql } from 'drizzle-orm';
import { check, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The namespaces objects belong to (`@agentic-flow/spec`'s `NamespaceSchema` says what a name may
 * be; the CHECK repeats it). Migration 0007 creates `default`, which holds everything made before
 * namespaces existed.
 */
export const namespaces = pgTable(
  'namespaces',
  {
    name: text('name').primaryKey(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('namespaces_name_check', sql`${t.name} ~ '^[a-z0-9][a-z0-9-]{0,62}$'`)],
);
