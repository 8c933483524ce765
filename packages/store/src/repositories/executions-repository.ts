import type { ExecutionStatus } from '@agentic-flow/spec';
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { ExecutionRow } from '../rows.js';
import { workflowExecutions } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';
import { InvalidCursorError, decodeCursor, encodeCursor, uuidKey } from './keyset-cursor.js';

export async function findExecution(db: DbExecutor, id: string): Promise<ExecutionRow | undefined> {
  const [row] = await db.select().from(workflowExecutions).where(eq(workflowExecutions.id, id));
  return row;
}

export type ExecutionSummaryRow = Pick<
  ExecutionRow,
  'id' | 'workflowId' | 'workflowVersion' | 'status' | 'error' | 'createdAt' | 'startedAt' | 'finishedAt'
>;

export interface ListExecutionsOptions {
  workflowId?: string;
  statuses?: readonly ExecutionStatus[];
  limit: number;
  cursor?: string;
}

/**
 * Newest first, keyset-paginated on (created_at, id): each page is one index range scan whatever
 * the page number. Throws {@link InvalidCursorError} for a cursor this API did not return.
 */
export async function listExecutions(db: DbExecutor, options: ListExecutionsOptions): Promise<{ rows: ExecutionSummaryRow[]; nextCursor: string | null }> {
  const conditions: SQL[] = [];
  if (options.workflowId !== undefined) conditions.push(eq(workflowExecutions.workflowId, options.workflowId));
  if (options.statuses && options.statuses.length > 0) {
    conditions.push(options.statuses.length === 1 ? eq(workflowExecutions.status, options.statuses[0]!) : inArray(workflowExecutions.status, [...options.statuses]));
  }
  if (options.cursor !== undefined) {
    const position = decodeCursor(options.cursor, [uuidKey]);
    if (!position) throw new InvalidCursorError();
    conditions.push(sql`(${workflowExecutions.createdAt}, ${workflowExecutions.id}) < (${position.createdAt}, ${position.keys[0]}::uuid)`);
  }
  const rows = await db
    .select({
      id: workflowExecutions.id,
      workflowId: workflowExecutions.workflowId,
      workflowVersion: workflowExecutions.workflowVersion,
      status: workflowExecutions.status,
      error: workflowExecutions.error,
      createdAt: workflowExecutions.createdAt,
      startedAt: workflowExecutions.startedAt,
      finishedAt: workflowExecutions.finishedAt,
    })
    .from(workflowExecutions)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(workflowExecutions.createdAt), desc(workflowExecutions.id))
    .limit(options.limit + 1);
  const more = rows.length > options.limit;
  const page = more ? rows.slice(0, options.limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, nextCursor: more && last ? encodeCursor(last.createdAt, [last.id]) : null };
}
