import { asc, eq, sql } from 'drizzle-orm';
import type { StepRunRow } from '../rows.js';
import { stepRuns } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';

/** Every run of an execution in the order they were queued (runs recorded without a queue last). */
export async function listStepRuns(db: DbExecutor, executionId: string): Promise<StepRunRow[]> {
  return db
    .select()
    .from(stepRuns)
    .where(eq(stepRuns.executionId, executionId))
    .orderBy(sql`${stepRuns.queuedAt} asc nulls last`, asc(stepRuns.finishedAt), asc(stepRuns.instanceKey), asc(stepRuns.attempt));
}
