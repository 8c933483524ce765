import { foreignKey, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { namespaces } from './namespaces.js';

/**
 * One row per namespace, workflow id and version: the same id may name different workflows in two
 * namespaces. Immutable: registering the same id and version again in a namespace is accepted only
 * when `content_hash` (sha256 of the canonical JSON) matches.
 */
export const workflowDefinitions = pgTable(
  'workflow_definitions',
  {
    namespace: text('namespace').notNull(),
    id: text('id').notNull(),
    version: text('version').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    /** The normalized definition (defaults applied), as validated by `@agentic-flow/spec`. */
    definition: jsonb('definition').notNull(),
    contentHash: text('content_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'workflow_definitions_pkey', columns: [t.namespace, t.id, t.version] }),
    foreignKey({ name: 'workflow_definitions_namespace_fk', columns: [t.namespace], foreignColumns: [namespaces.name] }),
    // "Latest version of workflow X". DESC NULLS FIRST matches a plain `ORDER BY created_at DESC`
    // (drizzle's bare `.desc()` emits NULLS LAST, which that query cannot use).
    index('workflow_definitions_id_created_at_idx').on(t.namespace, t.id, t.createdAt.desc().nullsFirst()),
    // Listing, newest first.
    index('workflow_definitions_created_at_idx').on(t.namespace, t.createdAt.desc().nullsFirst()),
  ],
);
