import { and, desc, eq, sql } from 'drizzle-orm';
import type { SnapshotRow } from '../rows.js';
import { workflowSnapshots } from '../schema/index.js';
import type { SnapshotKind } from '../schema/statuses.js';
import type { DbExecutor } from './db-executor.js';

export type SnapshotSummary = Omit<SnapshotRow, 'state'>;

/** Copies an execution's current state into a snapshot; undefined when the execution does not exist in `namespace`. */
export async function snapshotExecution(db: DbExecutor, executionId: string, kind: SnapshotKind, namespace: string): Promise<SnapshotSummary | undefined> {
  const result = await db.execute<{ id: string; execution_id: string; kind: SnapshotKind; status: SnapshotRow['status']; created_at: string }>(sql`
    insert into workflow_snapshots (execution_id, kind, status, state, created_at)
    select id, ${kind}, status, af_execution_state(id, state), date_trunc('milliseconds', clock_timestamp()) from workflow_executions where id = ${executionId} and namespace = ${namespace}
    returning id, execution_id, kind, status, created_at`);
  const row = result.rows[0];
  return row && { id: row.id, executionId: row.execution_id, kind: row.kind, status: row.status, createdAt: new Date(row.created_at) };
}

export async function listSnapshots(db: DbExecutor, executionId: string, limit = 100): Promise<SnapshotSummary[]> {
  return db
    .select({
      id: workflowSnapshots.id,
      executionId: workflowSnapshots.executionId,
      kind: workflowSnapshots.kind,
      status: workflowSnapshots.status,
      createdAt: workflowSnapshots.createdAt,
    })
    .from(workflowSnapshots)
    .where(eq(workflowSnapshots.executionId, executionId))
    .orderBy(desc(workflowSnapshots.createdAt), desc(workflowSnapshots.id))
    .limit(limit);
}

/** A snapshot by id, of this execution only: a snapshot of another execution is as good as absent. */
export async function findSnapshot(db: DbExecutor, executionId: string, snapshotId: string): Promise<SnapshotRow | undefined> {
  const [row] = await db
    .select()
    .from(workflowSnapshots)
    .where(and(eq(workflowSnapshots.id, snapshotId), eq(workflowSnapshots.executionId, executionId)));
  return row;
}

/**
 * Automatic snapshots, in one statement: every running or paused execution with an interval whose
 * last automatic snapshot (or start) is at least that old gets one. Returns how many were taken.
 */
export async function takeDueSnapshots(db: DbExecutor): Promise<number> {
  const result = await db.execute(sql`
    insert into workflow_snapshots (execution_id, kind, status, state, created_at)
    select e.id, 'auto', e.status, af_execution_state(e.id, e.state), date_trunc('milliseconds', clock_timestamp())
      from workflow_executions e
     where e.status in ('running', 'paused') and e.snapshot_interval_ms is not null
       and coalesce((select max(s.created_at) from workflow_snapshots s where s.execution_id = e.id and s.kind = 'auto'), e.started_at, e.created_at)
           <= clock_timestamp() - make_interval(secs => e.snapshot_interval_ms / 1000.0)`);
  return result.rowCount ?? 0;
}

/** Sets (or, with null, clears) an execution's automatic snapshot interval; false when it does not exist in `namespace`. */
export async function setSnapshotInterval(db: DbExecutor, executionId: string, intervalMs: number | null, namespace: string): Promise<boolean> {
  const result = await db.execute(
    sql`update workflow_executions set snapshot_interval_ms = ${intervalMs} where id = ${executionId} and namespace = ${namespace}`,
  );
  return (result.rowCount ?? 0) > 0;
}
