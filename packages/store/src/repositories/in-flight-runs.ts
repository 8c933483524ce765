import { sql } from 'drizzle-orm';
import type { DbExecutor } from './db-executor.js';

export interface InFlightRun {
  id: string;
  executionId: string;
  instanceKey: string;
  stepId: string;
  stepType: string;
  attempt: number;
  input: unknown;
}

/**
 * Runs PostgreSQL holds as queued or running, of running executions, queued at least `olderThanMs`
 * ago: the reconciler checks that each still has a job. Found through the executions' status index
 * and the runs' (execution_id, …) unique index, so completing a run stays a HOT update.
 * A `wait` step's run is left out: it has no job and asks nothing of the coordinator, its timer is a
 * `step_signals` row written with its state, and a thousand long waits must not fill `limit` ahead
 * of runs that did lose their jobs. Nor is a `workflow` step's, for the same reasons: the child
 * reconciler (`waitingWorkflowRuns`) looks after it.
 */
export async function inFlightRuns(db: DbExecutor, olderThanMs: number, limit: number): Promise<InFlightRun[]> {
  const result = await db.execute<{
    id: string;
    execution_id: string;
    instance_key: string;
    step_id: string;
    step_type: string;
    attempt: number;
    input: unknown;
  }>(sql`
    select r.id, r.execution_id, r.instance_key, r.step_id, r.step_type, r.attempt, r.input
      from workflow_executions e
      join step_runs r on r.execution_id = e.id
     where e.status = 'running' and r.status in ('queued', 'running') and r.step_type not in ('wait', 'workflow')
       and r.queued_at < clock_timestamp() - make_interval(secs => ${olderThanMs} / 1000.0)
     order by r.queued_at
     limit ${limit}`);
  return result.rows.map((r) => ({
    id: r.id,
    executionId: r.execution_id,
    instanceKey: r.instance_key,
    stepId: r.step_id,
    stepType: r.step_type,
    attempt: r.attempt,
    input: r.input,
  }));
}
