import { asc, eq, sql } from 'drizzle-orm';
import type { LogRow } from '../rows.js';
import type { LogLevel } from '../schema/statuses.js';
import { workflowLogs } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';

export interface NewLog {
  executionId: string;
  stepRunId: string | null;
  stepId: string | null;
  level: LogLevel;
  message: string;
  at: Date;
}

/** Appends log lines in one statement. */
export async function insertLogs(db: DbExecutor, logs: readonly NewLog[]): Promise<void> {
  if (logs.length === 0) return;
  await db.execute(sql`
    insert into workflow_logs (execution_id, step_run_id, step_id, level, message, at)
    select v."executionId", v."stepRunId", v."stepId", v.level, v.message, v.at
      from jsonb_to_recordset(${JSON.stringify(logs)}::jsonb)
        as v("executionId" uuid, "stepRunId" uuid, "stepId" text, level text, message text, at timestamptz)`);
}

export async function listLogs(db: DbExecutor, executionId: string, options: { limit: number } = { limit: 1000 }): Promise<LogRow[]> {
  return db.select().from(workflowLogs).where(eq(workflowLogs.executionId, executionId)).orderBy(asc(workflowLogs.id)).limit(options.limit);
}
