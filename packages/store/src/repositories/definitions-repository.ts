import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { DefinitionRow } from '../rows.js';
import { workflowDefinitions } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';
import { ID_PATTERN, VersionSchema } from '@agentic-flow/spec';
import { InvalidCursorError, decodeCursor, encodeCursor, type CursorKey } from './keyset-cursor.js';

export interface NewDefinition {
  namespace: string;
  id: string;
  version: string;
  name: string;
  description: string | null;
  definition: unknown;
  contentHash: string;
  createdAt: Date;
}

export type InsertDefinitionOutcome = 'created' | 'identical' | 'conflict';

/** Inserts an immutable definition; the same id+version again in its namespace is `identical` or a `conflict` by content hash. */
export async function insertDefinition(db: DbExecutor, row: NewDefinition): Promise<InsertDefinitionOutcome> {
  const inserted = await db
    .insert(workflowDefinitions)
    .values(row)
    .onConflictDoNothing({ target: [workflowDefinitions.namespace, workflowDefinitions.id, workflowDefinitions.version] })
    .returning({ id: workflowDefinitions.id });
  if (inserted.length > 0) return 'created';
  const [existing] = await db
    .select({ contentHash: workflowDefinitions.contentHash })
    .from(workflowDefinitions)
    .where(and(eq(workflowDefinitions.namespace, row.namespace), eq(workflowDefinitions.id, row.id), eq(workflowDefinitions.version, row.version)));
  return existing?.contentHash === row.contentHash ? 'identical' : 'conflict';
}

/** One version of a namespace's workflow, or the most recently registered one when `version` is omitted. */
export async function findDefinition(db: DbExecutor, namespace: string, id: string, version?: string): Promise<DefinitionRow | undefined> {
  const where = and(
    eq(workflowDefinitions.namespace, namespace),
    eq(workflowDefinitions.id, id),
    version === undefined ? undefined : eq(workflowDefinitions.version, version),
  );
  const [row] = await db.select().from(workflowDefinitions).where(where).orderBy(desc(workflowDefinitions.createdAt)).limit(1);
  return row;
}

export interface DefinitionPage {
  rows: Omit<DefinitionRow, 'definition'>[];
  nextCursor: string | null;
}

/** A definitions cursor's keys: the workflow id and the version of the page's last row. */
const DEFINITION_CURSOR_KEYS: readonly CursorKey[] = [(id) => ID_PATTERN.test(id), (version) => VersionSchema.safeParse(version).success];

/** Every version registered in a namespace, newest first, optionally of one workflow id. */
export async function listDefinitions(db: DbExecutor, options: { namespace: string; id?: string; limit: number; cursor?: string }): Promise<DefinitionPage> {
  const conditions: SQL[] = [eq(workflowDefinitions.namespace, options.namespace)];
  if (options.id !== undefined) conditions.push(eq(workflowDefinitions.id, options.id));
  if (options.cursor !== undefined) {
    const position = decodeCursor(options.cursor, DEFINITION_CURSOR_KEYS);
    if (!position) throw new InvalidCursorError();
    const [id, version] = position.keys;
    conditions.push(
      sql`(${workflowDefinitions.createdAt}, ${workflowDefinitions.id}, ${workflowDefinitions.version}) < (${position.createdAt}, ${id}, ${version})`,
    );
  }
  const rows = await db
    .select({
      namespace: workflowDefinitions.namespace,
      id: workflowDefinitions.id,
      version: workflowDefinitions.version,
      name: workflowDefinitions.name,
      description: workflowDefinitions.description,
      contentHash: workflowDefinitions.contentHash,
      createdAt: workflowDefinitions.createdAt,
    })
    .from(workflowDefinitions)
    .where(and(...conditions))
    .orderBy(desc(workflowDefinitions.createdAt), desc(workflowDefinitions.id), desc(workflowDefinitions.version))
    .limit(options.limit + 1);
  const more = rows.length > options.limit;
  const page = more ? rows.slice(0, options.limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, nextCursor: more && last ? encodeCursor(last.createdAt, [last.id, last.version]) : null };
}
