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
 * Runs of `stepTypes` PostgreSQL holds as queued or running, of running executions, queued at least
 * `olderThanMs` ago: the reconciler checks that each still has a job (or its expression an answer
 * on the way). Runs of other types (a parallel, a timer waiting for hours) would only crowd the
 * `limit` out. Found through the executions' status index
 * and the runs' (execution_id, …) unique index, so completing a run stays a HOT update.
 */
export async function inFlightRuns(db: DbExecutor, olderThanMs: number, limit: number, stepTypes: readonly string[]): Promise<InFlightRun[]> {
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
     where e.status = 'running' and r.status in ('queued', 'running')
       and r.step_type in (${sql.join(
         stepTypes.map((type) => sql`${type}`),
         sql`, `,
       )})
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
