import type { ExecutionError, ExecutionStatus } from '@agentic-flow/spec';
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { ExecutionRow } from '../rows.js';
import { workflowExecutions } from '../schema/index.js';
import type { DbExecutor, Transaction } from './db-executor.js';
import { InvalidCursorError, decodeCursor, encodeCursor } from './keyset-cursor.js';

export interface NewExecution {
  id: string;
  workflowId: string;
  workflowVersion: string;
  status: ExecutionStatus;
  state: unknown;
  /** The variables given to `executeWorkflow`, as given. */
  variables: Record<string, unknown>;
  error: ExecutionError | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export async function insertExecution(db: DbExecutor, row: NewExecution): Promise<void> {
  await db.insert(workflowExecutions).values({ ...row, updatedAt: row.createdAt });
}

export interface LockedExecution {
  id: string;
  workflowId: string;
  workflowVersion: string;
  status: ExecutionStatus;
  state: unknown;
}

/**
 * Locks the executions' rows for the rest of the transaction (`FOR UPDATE`), in id order so two
 * coordinators locking overlapping sets cannot deadlock. Unknown ids are left out.
 */
export async function lockExecutions(tx: Transaction, ids: readonly string[]): Promise<LockedExecution[]> {
  if (ids.length === 0) return [];
  const result = await tx.execute<{ id: string; workflow_id: string; workflow_version: string; status: ExecutionStatus; state: unknown }>(
    sql`select id, workflow_id, workflow_version, status, state from workflow_executions where id = any(${sql.param([...ids])}::uuid[]) order by id for update`,
  );
  return result.rows.map((r) => ({ id: r.id, workflowId: r.workflow_id, workflowVersion: r.workflow_version, status: r.status, state: r.state }));
}

export interface ExecutionUpdate {
  id: string;
  status: ExecutionStatus;
  state: unknown;
  error: ExecutionError | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

/** Writes many executions' new state in one statement. */
export async function updateExecutions(tx: DbExecutor, updates: readonly ExecutionUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const payload = JSON.stringify(updates);
  await tx.execute(sql`
    update workflow_executions as e
       set status = v.status, state = v.state, error = v.error,
           started_at = v."startedAt", finished_at = v."finishedAt", updated_at = v."updatedAt"
      from jsonb_to_recordset(${payload}::jsonb)
        as v(id uuid, status text, state jsonb, error jsonb, "startedAt" timestamptz, "finishedAt" timestamptz, "updatedAt" timestamptz)
     where e.id = v.id`);
}

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
    const position = decodeCursor(options.cursor, 1);
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
