import { and, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { apiKeys } from '../schema/index.js';
import type { ApiKeyRole } from '../schema/statuses.js';
import type { DbExecutor } from './db-executor.js';
import { InvalidCursorError, decodeCursor, type CursorKey } from './keyset-cursor.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export interface NewApiKey {
  id: string;
  name: string;
  role: ApiKeyRole;
  namespaces: readonly string[];
  secretSalt: string;
  secretHash: string;
  createdBy: string;
  expiresAt: Date | null;
}

export async function insertApiKey(db: DbExecutor, key: NewApiKey): Promise<ApiKeyRow> {
  const [row] = await db
    .insert(apiKeys)
    .values({ ...key, namespaces: [...key.namespaces] })
    .returning();
  return row!;
}

export async function findApiKey(db: DbExecutor, id: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  return row;
}

/** Keys, newest first. Hashes are selected too: callers build views without them. */
/** Keys newest first (those that may act in `namespace`, when given); after `cursor` (`encodeCursor(createdAt, [id])` of the previous page's last row). */
export async function listApiKeys(db: DbExecutor, options: { limit: number; namespace?: string; cursor?: string }): Promise<ApiKeyRow[]> {
  const conditions: SQL[] = [];
  if (options.namespace !== undefined) conditions.push(sql`(${options.namespace} = any(${apiKeys.namespaces}) or '*' = any(${apiKeys.namespaces}))`);
  if (options.cursor !== undefined) {
    const position = decodeCursor(options.cursor, [apiKeyIdKey]);
    if (!position) throw new InvalidCursorError();
    conditions.push(sql`(${apiKeys.createdAt}, ${apiKeys.id}) < (${position.createdAt}, ${position.keys[0]})`);
  }
  return db
    .select()
    .from(apiKeys)
    .where(and(...conditions))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(options.limit);
}

/** A key id as a cursor may carry it: the 12 characters after `afk_`. */
const apiKeyIdKey: CursorKey = (key) => /^[a-z0-9]{12}$/.test(key);

/** Revokes a key; false when there is no such key or it was already revoked. */
export async function revokeApiKey(db: DbExecutor, id: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

/** Records when keys were last used: one statement for a batch of keys, never moving a time back. */
export async function touchApiKeys(db: DbExecutor, uses: readonly { id: string; at: Date }[]): Promise<void> {
  if (uses.length === 0) return;
  const ids = uses.map((u) => u.id);
  const times = uses.map((u) => u.at.toISOString());
  await db.execute(sql`update api_keys k set last_used_at = greatest(coalesce(k.last_used_at, u.at), u.at)
    from unnest(${sql.param(ids)}::text[], ${sql.param(times)}::timestamptz[]) as u(id, at) where k.id = u.id`);
}
