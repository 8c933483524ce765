import { sql } from 'drizzle-orm';
import type { DbExecutor } from './db-executor.js';

/** A tree of executions as a child start sees it (`MAX_DESCENDANT_EXECUTIONS`). */
export interface LiveDescendants {
  /** The top-level execution of the parent's tree (the parent itself when it is top-level). */
  rootExecutionId: string;
  /** Descendants of that root not yet settled (pending, running or paused); the root is not counted. */
  live: number;
  /** Whether the child about to start is in the table already (then the start inserts nothing). */
  started: boolean;
  /** Whether the parent's step run `instanceKey`/`attempt` still waits for its child (recorded `running`). */
  waiting: boolean;
}

/**
 * What starting child `childId` of step run `instanceKey`/`attempt` of `parentId` needs to know, in
 * one statement: the parent's row and the child's by primary key, the run by its unique index, and
 * the live descendants of the parent's top-level execution counted over the partial index on
 * `root_execution_id` (only live rows are in it). Undefined when the parent is gone. A count, not a
 * lock: starts at the same moment each see the others' rows only once committed, so a tree may
 * overshoot its cap by the starts in flight, never be under-counted.
 */
export async function liveDescendants(
  db: DbExecutor,
  parentId: string,
  run: { instanceKey: string; attempt: number },
  childId: string,
): Promise<LiveDescendants | undefined> {
  const result = await db.execute<{ root_execution_id: string; live: number; started: boolean; waiting: boolean }>(sql`
    select r.root as root_execution_id,
           (select count(*)::int from workflow_executions d
             where d.root_execution_id = r.root and d.status in ('pending', 'running', 'paused')) as live,
           exists (select 1 from workflow_executions c where c.id = ${childId}) as started,
           exists (select 1 from step_runs s
                    where s.execution_id = ${parentId} and s.instance_key = ${run.instanceKey} and s.attempt = ${run.attempt}
                      and s.status = 'running') as waiting
      from (select coalesce(root_execution_id, id) as root from workflow_executions where id = ${parentId}) r`);
  const [row] = result.rows;
  return row ? { rootExecutionId: row.root_execution_id, live: Number(row.live), started: row.started, waiting: row.waiting } : undefined;
}
