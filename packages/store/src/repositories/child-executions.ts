import { sql } from 'drizzle-orm';
import type { DbExecutor } from './db-executor.js';

/** A child execution's link to its parent (`workflow` steps). */
export interface ChildLink {
  id: string;
  namespace: string;
  status: string;
  state: unknown;
  error: unknown;
  finishedAt: Date | null;
  parentExecutionId: string;
  parentNamespace: string;
  parentInstanceKey: string;
  parentAttempt: number;
}

const LINK_COLUMNS = sql`c.id, c.namespace, c.status, af_execution_state(c.id, c.state) as state, c.error, c.finished_at, c.parent_execution_id, p.namespace as parent_namespace,
                         c.parent_instance_key, c.parent_attempt`;

type LinkRow = {
  id: string;
  namespace: string;
  status: string;
  state: unknown;
  error: unknown;
  finished_at: Date | string | null;
  parent_execution_id: string;
  parent_namespace: string;
  parent_instance_key: string;
  parent_attempt: number;
};

function toLink(r: LinkRow): ChildLink {
  return {
    id: r.id,
    namespace: r.namespace,
    status: r.status,
    state: r.state,
    error: r.error,
    finishedAt: r.finished_at === null ? null : new Date(r.finished_at),
    parentExecutionId: r.parent_execution_id,
    parentNamespace: r.parent_namespace,
    parentInstanceKey: r.parent_instance_key,
    parentAttempt: r.parent_attempt,
  };
}

/** The latest child execution step instance `instanceKey` of `parentId` started, if any. */
export async function latestChild(db: DbExecutor, parentId: string, instanceKey: string): Promise<ChildLink | undefined> {
  const result = await db.execute<LinkRow>(sql`
    select ${LINK_COLUMNS}
      from workflow_executions c join workflow_executions p on p.id = c.parent_execution_id
     where c.parent_execution_id = ${parentId} and c.parent_instance_key = ${instanceKey}
     order by c.created_at desc limit 1`);
  const [row] = result.rows;
  return row ? toLink(row) : undefined;
}

/** The child that answers to step run `instanceKey`/`attempt` of `parentId` (its settlement goes to that attempt), if any. */
export async function childOfRun(db: DbExecutor, parentId: string, instanceKey: string, attempt: number): Promise<ChildLink | undefined> {
  const result = await db.execute<LinkRow>(sql`
    select ${LINK_COLUMNS}
      from workflow_executions c join workflow_executions p on p.id = c.parent_execution_id
     where c.parent_execution_id = ${parentId} and c.parent_instance_key = ${instanceKey} and c.parent_attempt = ${attempt}
     order by c.created_at desc limit 1`);
  const [row] = result.rows;
  return row ? toLink(row) : undefined;
}

/** Points a child's settlement at the parent's step run `attempt` (a resume from failure runs it again under a new attempt). */
export async function setParentAttempt(db: DbExecutor, childId: string, attempt: number): Promise<void> {
  await db.execute(sql`update workflow_executions set parent_attempt = ${attempt} where id = ${childId} and parent_attempt < ${attempt}`);
}

/** A `workflow` step run waiting for its child, in a running or paused execution. */
export interface WaitingWorkflowRun {
  executionId: string;
  namespace: string;
  executionStatus: string;
  instanceKey: string;
  attempt: number;
  /** What the run asked for: `{ workflowId, version?, variables, depth }`. */
  input: unknown;
  startedAt: Date | null;
}

/**
 * `workflow` step runs waiting (recorded running) for longer than `olderThanMs` in running or paused
 * executions: the child reconciler checks each has its child and that the two agree. Found through
 * the executions' status index and the runs' (execution_id, …) unique index, as `inFlightRuns`.
 */
export async function waitingWorkflowRuns(db: DbExecutor, olderThanMs: number, limit: number): Promise<WaitingWorkflowRun[]> {
  const result = await db.execute<{
    execution_id: string;
    namespace: string;
    execution_status: string;
    instance_key: string;
    attempt: number;
    input: unknown;
    started_at: Date | string | null;
  }>(sql`
    select r.execution_id, e.namespace, e.status as execution_status, r.instance_key, r.attempt, r.input, r.started_at
      from workflow_executions e
      join step_runs r on r.execution_id = e.id
     where e.status in ('running', 'paused') and r.step_type = 'workflow' and r.status = 'running'
       and r.started_at < clock_timestamp() - make_interval(secs => ${olderThanMs} / 1000.0)
     order by r.started_at
     limit ${limit}`);
  return result.rows.map((r) => ({
    executionId: r.execution_id,
    namespace: r.namespace,
    executionStatus: r.execution_status,
    instanceKey: r.instance_key,
    attempt: r.attempt,
    input: r.input,
    startedAt: r.started_at === null ? null : new Date(r.started_at),
  }));
}

/** Active children (pending, running, paused) of cancelled parents: their cancellation was lost. */
export async function orphanedChildren(db: DbExecutor, limit: number): Promise<{ id: string; namespace: string }[]> {
  const result = await db.execute<{ id: string; namespace: string }>(sql`
    select c.id, c.namespace
      from workflow_executions c join workflow_executions p on p.id = c.parent_execution_id
     where c.status in ('pending', 'running', 'paused') and c.parent_execution_id is not null and p.status = 'cancelled'
     limit ${limit}`);
  return result.rows;
}

/** An execution's parent and its children, oldest first (`getExecution`); one query over the parent index. */
export async function executionFamily(
  db: DbExecutor,
  executionId: string,
): Promise<{ parentExecutionId: string | null; children: { id: string; instanceKey: string; status: string; workflowId: string }[] }> {
  const result = await db.execute<{ kind: string; id: string; instance_key: string | null; status: string | null; workflow_id: string | null }>(sql`
    (select 'parent' as kind, parent_execution_id as id, null as instance_key, null as status, null as workflow_id
       from workflow_executions where id = ${executionId} and parent_execution_id is not null)
    union all
    (select 'child', id, parent_instance_key, status, workflow_id
       from workflow_executions where parent_execution_id = ${executionId} order by created_at, id)`);
  const parent = result.rows.find((r) => r.kind === 'parent');
  return {
    parentExecutionId: parent?.id ?? null,
    children: result.rows
      .filter((r) => r.kind === 'child')
      .map((r) => ({ id: r.id, instanceKey: r.instance_key ?? '', status: r.status ?? '', workflowId: r.workflow_id ?? '' })),
  };
}
