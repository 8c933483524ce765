import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { alerts, errors } from '../schema/index.js';
import type { ErrorStatus } from '../schema/statuses.js';
import type { DbExecutor } from './db-executor.js';

export type ErrorRow = typeof errors.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;

export async function findError(db: DbExecutor, id: string): Promise<ErrorRow | undefined> {
  const [row] = await db.select().from(errors).where(eq(errors.id, id));
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

/** Errors newest first, optionally only open ones or one execution's. */
export async function listErrors(db: DbExecutor, options: { status?: ErrorStatus; executionId?: string; limit: number }): Promise<ErrorRow[]> {
  const conditions: SQL[] = [];
  if (options.status) conditions.push(eq(errors.status, options.status));
  if (options.executionId) conditions.push(eq(errors.executionId, options.executionId));
  return db
    .select()
    .from(errors)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(errors.createdAt), desc(errors.id))
    .limit(options.limit);
}

export interface ErrorCount {
  stepType: string;
  code: string;
  strategy: string;
  count: number;
}

/** Final step failures in [from, to), counted by step type, error code and the strategy applied. */
export async function countErrors(db: DbExecutor, from: Date, to: Date): Promise<ErrorCount[]> {
  const rows = await db
    .select({ stepType: errors.stepType, code: errors.code, strategy: errors.strategy, count: sql<string>`count(*)` })
    .from(errors)
    .where(and(gte(errors.createdAt, from), lt(errors.createdAt, to)))
    .groupBy(errors.stepType, errors.code, errors.strategy)
    .orderBy(desc(sql`count(*)`));
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

export async function listAlerts(db: DbExecutor, limit: number): Promise<AlertRow[]> {
  return db.select().from(alerts).orderBy(desc(alerts.createdAt), desc(alerts.id)).limit(limit);
}
