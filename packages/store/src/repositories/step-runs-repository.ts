import type { StepError, StepRunStatus } from '@agentic-flow/spec';
import { asc, eq, sql } from 'drizzle-orm';
import type { StepRunRow } from '../rows.js';
import { stepRuns } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';

export interface StepRunWrite {
  id: string;
  executionId: string;
  stepId: string;
  instanceKey: string;
  stepType: string;
  attempt: number;
  status: StepRunStatus;
  input?: unknown;
  output?: unknown;
  error?: StepError | null;
  queuedAt?: Date | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
}

export interface StepRunKey {
  id: string;
  executionId: string;
  instanceKey: string;
  attempt: number;
}

/**
 * Inserts step runs, or updates the status, output, error and finish time of the run with the same
 * (execution, instance key, attempt). Returns each row's id — the existing one on conflict, so a
 * job is always enqueued under the id Postgres holds.
 */
export async function upsertStepRuns(db: DbExecutor, rows: readonly StepRunWrite[]): Promise<StepRunKey[]> {
  if (rows.length === 0) return [];
  // `output` is wrapped so a JSON null output stays distinguishable from "no output" (SQL NULL).
  const payload = JSON.stringify(rows.map((r) => ({ ...r, output: r.output === undefined ? undefined : { value: r.output } })));
  const result = await db.execute<{ id: string; execution_id: string; instance_key: string; attempt: number }>(sql`
    insert into step_runs (id, execution_id, step_id, instance_key, step_type, attempt, status, input, output, error, queued_at, started_at, finished_at)
    select v.id, v."executionId", v."stepId", v."instanceKey", v."stepType", v.attempt, v.status, v.input, v.output -> 'value', v.error, v."queuedAt", v."startedAt", v."finishedAt"
      from jsonb_to_recordset(${payload}::jsonb)
        as v(id uuid, "executionId" uuid, "stepId" text, "instanceKey" text, "stepType" text, attempt int, status text,
             input jsonb, output jsonb, error jsonb, "queuedAt" timestamptz, "startedAt" timestamptz, "finishedAt" timestamptz)
    on conflict (execution_id, instance_key, attempt) do update
       set status = excluded.status,
           output = coalesce(excluded.output, step_runs.output),
           error = coalesce(excluded.error, step_runs.error),
           started_at = coalesce(step_runs.started_at, excluded.started_at),
           finished_at = coalesce(excluded.finished_at, step_runs.finished_at)
    returning id, execution_id, instance_key, attempt`);
  return result.rows.map((r) => ({ id: r.id, executionId: r.execution_id, instanceKey: r.instance_key, attempt: r.attempt }));
}

export interface StepRunCompletion {
  id: string;
  attempt: number;
  status: 'succeeded' | 'failed';
  output?: unknown;
  error?: StepError | null;
  /** Epoch milliseconds on the worker; fractions are kept (microsecond precision in PostgreSQL). */
  startedAt: number;
  finishedAt: number;
  workerId: string;
}

/**
 * Records worker results on runs that are still in flight with the same attempt. Returns the runs
 * it changed: a result missing from the answer was a duplicate or late, and must not be applied.
 */
export async function completeStepRuns(db: DbExecutor, completions: readonly StepRunCompletion[]): Promise<StepRunKey[]> {
  if (completions.length === 0) return [];
  const payload = JSON.stringify(completions.map((c) => ({ ...c, output: c.output === undefined ? undefined : { value: c.output } })));
  const result = await db.execute<{ id: string; execution_id: string; instance_key: string; attempt: number }>(sql`
    update step_runs as s
       set status = v.status, output = v.output -> 'value', error = v.error,
           started_at = to_timestamp(v."startedAt" / 1000), finished_at = to_timestamp(v."finishedAt" / 1000), worker_id = v."workerId"
      from jsonb_to_recordset(${payload}::jsonb)
        as v(id uuid, attempt int, status text, output jsonb, error jsonb, "startedAt" float8, "finishedAt" float8, "workerId" text)
     where s.id = v.id and s.attempt = v.attempt and s.status in ('queued', 'running')
    returning s.id, s.execution_id, s.instance_key, s.attempt`);
  return result.rows.map((r) => ({ id: r.id, executionId: r.execution_id, instanceKey: r.instance_key, attempt: r.attempt }));
}

/** Every run of an execution in the order they were queued (runs recorded without a queue last). */
export async function listStepRuns(db: DbExecutor, executionId: string): Promise<StepRunRow[]> {
  return db
    .select()
    .from(stepRuns)
    .where(eq(stepRuns.executionId, executionId))
    .orderBy(sql`${stepRuns.queuedAt} asc nulls last`, asc(stepRuns.finishedAt), asc(stepRuns.instanceKey), asc(stepRuns.attempt));
}
