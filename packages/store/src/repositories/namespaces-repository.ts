import { asc, eq } from 'drizzle-orm';
import { namespaces } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';

export type NamespaceRow = typeof namespaces.$inferSelect;

/**
 * Creates a namespace: `created`, or `exists` when it already did (nothing changes). The name must
 * match `NAMESPACE_PATTERN` (`@agentic-flow/spec`); the table's CHECK refuses any other.
 */
export async function createNamespace(db: DbExecutor, name: string, createdAt: Date = new Date()): Promise<'created' | 'exists'> {
  const inserted = await db
    .insert(namespaces)
    .values({ name, createdAt })
    .onConflictDoNothing({ target: namespaces.name })
    .returning({ name: namespaces.name });
  return inserted.length > 0 ? 'created' : 'exists';
}

/** Every namespace, by name. */
export async function listNamespaces(db: DbExecutor): Promise<NamespaceRow[]> {
  return db.select().from(namespaces).orderBy(asc(namespaces.name));
}

export async function namespaceExists(db: DbExecutor, name: string): Promise<boolean> {
  const rows = await db.select({ name: namespaces.name }).from(namespaces).where(eq(namespaces.name, name));
  return rows.length > 0;
}
