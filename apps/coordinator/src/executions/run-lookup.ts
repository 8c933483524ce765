import type { Database } from '@agentic-flow/store';
import { sql } from 'drizzle-orm';
import type { ExistingRun } from './existing-run-jobs.js';

/** The stored runs of an execution with these (instance key, attempt) pairs. */
export async function findRuns(db: Database, executionId: string, keys: readonly { key: string; attempt: number }[]): Promise<ExistingRun[]> {
  if (keys.length === 0) return [];
  const wanted = JSON.stringify(keys.map((k) => ({ key: k.key, attempt: k.attempt })));
  const result = await db.execute<{ id: string; instance_key: string; step_id: string; step_type: string; attempt: number; input: unknown }>(sql`
    select r.id, r.instance_key, r.step_id, r.step_type, r.attempt, r.input
      from step_runs r
      join jsonb_to_recordset(${wanted}::jsonb) as w(key text, attempt int) on r.instance_key = w.key and r.attempt = w.attempt
     where r.execution_id = ${executionId}`);
  return result.rows.map((r) => ({ id: r.id, instanceKey: r.instance_key, stepId: r.step_id, stepType: r.step_type, attempt: r.attempt, input: r.input }));
}
