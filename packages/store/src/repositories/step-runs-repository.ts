import { and, asc, eq, exists, getTableColumns, isNotNull, sql } from 'drizzle-orm';
import type { StepRunRow, StepRunSummaryRow } from '../rows.js';
import { stepRuns, workflowExecutions } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';

const { transcript: _transcript, ...columns } = getTableColumns(stepRuns);
export const listedColumns = columns;
// A summary leaves out the run's input (its resolved config) and output, the columns that grow.
const { input: _input, output: _output, ...summary } = listedColumns;
export const summaryColumns = summary;
/**
 * Queue order, on columns a run never changes once written, so that keyset pages
 * (`step-run-pages.ts`) neither skip nor repeat a run that finishes between two reads. It used to
 * break ties on `finished_at`, which is set later (and by a worker's clock): a run queued in the
 * same millisecond as a page's last one, finishing before the next read, moved behind the cursor.
 * (execution_id, instance_key, attempt) is unique, so the order is total.
 */
export const queueOrder = [sql`${stepRuns.queuedAt} asc nulls last`, asc(stepRuns.instanceKey), asc(stepRuns.attempt)];

/** Every run of an execution in the order they were queued (runs recorded without a queue last). */
export async function listStepRuns(db: DbExecutor, executionId: string): Promise<StepRunRow[]> {
  return db
    .select(listedColumns)
    .from(stepRuns)
    .where(eq(stepRuns.executionId, executionId))
    .orderBy(...queueOrder);
}

/**
 * {@link listStepRuns} without the `input` and `output` columns: they are not even selected, so
 * polling an execution costs the same whatever its steps returned.
 */
export async function listStepRunSummaries(db: DbExecutor, executionId: string): Promise<StepRunSummaryRow[]> {
  return db
    .select(summaryColumns)
    .from(stepRuns)
    .where(eq(stepRuns.executionId, executionId))
    .orderBy(...queueOrder);
}

/**
 * One run of the execution, with its output; undefined when the execution has no run with that id
 * or is not in `namespace` (checked in the same query).
 */
export async function findStepRun(db: DbExecutor, executionId: string, stepRunId: string, namespace: string): Promise<StepRunRow | undefined> {
  const [row] = await db
    .select(listedColumns)
    .from(stepRuns)
    .where(
      and(
        eq(stepRuns.id, stepRunId),
        eq(stepRuns.executionId, executionId),
        exists(
          db
            .select({ one: sql`1` })
            .from(workflowExecutions)
            .where(and(eq(workflowExecutions.id, executionId), eq(workflowExecutions.namespace, namespace))),
        ),
      ),
    );
  return row;
}

export interface TranscriptRow {
  stepRunId: string;
  stepId: string;
  instanceKey: string;
  attempt: number;
  status: string;
  agent: unknown;
  transcript: unknown;
}

/** The transcripts of an execution's agent step runs, in the order the runs were queued; one run's with `stepRunId`. */
export async function listTranscripts(db: DbExecutor, executionId: string, stepRunId?: string): Promise<TranscriptRow[]> {
  return db
    .select({
      stepRunId: stepRuns.id,
      stepId: stepRuns.stepId,
      instanceKey: stepRuns.instanceKey,
      attempt: stepRuns.attempt,
      status: stepRuns.status,
      agent: stepRuns.agent,
      transcript: stepRuns.transcript,
    })
    .from(stepRuns)
    .where(and(eq(stepRuns.executionId, executionId), isNotNull(stepRuns.transcript), stepRunId === undefined ? undefined : eq(stepRuns.id, stepRunId)))
    .orderBy(sql`${stepRuns.queuedAt} asc nulls last`, asc(stepRuns.instanceKey), asc(stepRuns.attempt));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The namespace of each step run's execution, by run id, in one query (a step run's id is its job's
 * id, so this places dead letters). Ids that name no run (not a uuid, or a run gone with its
 * execution) are missing from the answer.
 */
export async function namespacesOfRuns(db: DbExecutor, runIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(runIds.filter((id) => UUID.test(id)))];
  if (ids.length === 0) return new Map();
  const result = await db.execute<{ id: string; namespace: string }>(sql`
    select r.id, e.namespace
      from step_runs r
      join workflow_executions e on e.id = r.execution_id
     where r.id = any(${`{${ids.join(',')}}`}::uuid[])`);
  return new Map(result.rows.map((row) => [row.id, row.namespace]));
}
