import { and, asc, eq, getTableColumns, isNotNull, sql } from 'drizzle-orm';
import type { StepRunRow } from '../rows.js';
import { stepRuns } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';

/** Every run of an execution in the order they were queued (runs recorded without a queue last). */
export async function listStepRuns(db: DbExecutor, executionId: string): Promise<StepRunRow[]> {
  const { transcript: _transcript, ...listed } = getTableColumns(stepRuns);
  return db
    .select(listed)
    .from(stepRuns)
    .where(eq(stepRuns.executionId, executionId))
    .orderBy(sql`${stepRuns.queuedAt} asc nulls last`, asc(stepRuns.finishedAt), asc(stepRuns.instanceKey), asc(stepRuns.attempt));
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
