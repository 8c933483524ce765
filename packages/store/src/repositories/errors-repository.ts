import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { alerts, errors } from '../schema/index.js';
import type { ErrorStatus } from '../schema/statuses.js';
import type { DbExecutor } from './db-executor.js';
import { InvalidCursorError, decodeCursor, uuidKey } from './keyset-cursor.js';

export type ErrorRow = typeof errors.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;

/** The error, when it is in `namespace` (its execution's): one of another namespace is as good as absent. */
export async function findError(db: DbExecutor, id: string, namespace: string): Promise<ErrorRow | undefined> {
  const [row] = await db
    .select()
    .from(errors)
    .where(and(eq(errors.id, id), eq(errors.namespace, namespace)));
  return row;
}

/** The open (escalated) error of one step run, if it still waits for a resolution. */
export async function findOpenError(db: DbExecutor, run: { executionId: string; instanceKey: string; attempt: number }): Promise<ErrorRow | undefined> {
  const [row] = await db
    .select()
    .from(errors)
    .where(and(eq(errors.executionId, run.executionId), eq(errors.instanceKey, run.instanceKey), eq(errors.attempt, run.attempt), eq(errors.status, 'open')))
    .limit(1);
  return row;
}

/**
 * A namespace's errors newest first, optionally only open ones or one execution's; after `cursor`
 * (an `encodeCursor(createdAt, [id])` of the previous page's last row) when given.
 */
export async function listErrors(
  db: DbExecutor,
  options: { namespace: string; status?: ErrorStatus; executionId?: string; limit: number; cursor?: string },
): Promise<ErrorRow[]> {
  const conditions: SQL[] = [eq(errors.namespace, options.namespace)];
  if (options.status) conditions.push(eq(errors.status, options.status));
  if (options.executionId) conditions.push(eq(errors.executionId, options.executionId));
  if (options.cursor !== undefined) conditions.push(after(errors, options.cursor));
  return db
    .select()
    .from(errors)
    .where(and(...conditions))
    .orderBy(desc(errors.createdAt), desc(errors.id))
    .limit(options.limit);
}

/** Rows after a cursor in `created_at desc, id desc` order: the keyset condition, or InvalidCursorError for a cursor we did not make. */
function after(table: typeof errors | typeof alerts, cursor: string): SQL {
  const position = decodeCursor(cursor, [uuidKey]);
  if (!position) throw new InvalidCursorError();
  return sql`(${table.createdAt}, ${table.id}) < (${position.createdAt}, ${position.keys[0]}::uuid)`;
}

export interface ErrorCount {
  stepType: string;
  code: string;
  strategy: string;
  count: number;
}

/** A namespace's final step failures in [from, to), counted by step type, error code and the strategy applied. */
export async function countErrors(db: DbExecutor, namespace: string, from: Date, to: Date): Promise<ErrorCount[]> {
  const rows = await db
    .select({ stepType: errors.stepType, code: errors.code, strategy: errors.strategy, count: sql<string>`count(*)` })
    .from(errors)
    .where(and(eq(errors.namespace, namespace), gte(errors.createdAt, from), lt(errors.createdAt, to)))
    .groupBy(errors.stepType, errors.code, errors.strategy)
    .orderBy(desc(sql`count(*)`));
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

/** A namespace's alerts and the cluster's ('*': a queue without worker, a breaker, the DLQ), newest first; after `cursor` when given. */
export async function listAlerts(db: DbExecutor, namespace: string, limit: number, cursor?: string): Promise<AlertRow[]> {
  const conditions: SQL[] = [inArray(alerts.namespace, [namespace, '*'])];
  if (cursor !== undefined) conditions.push(after(alerts, cursor));
  return db
    .select()
    .from(alerts)
    .where(and(...conditions))
    .orderBy(desc(alerts.createdAt), desc(alerts.id))
    .limit(limit);
}
