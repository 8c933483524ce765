import { asc, eq } from 'drizzle-orm';
import type { LogRow } from '../rows.js';
import { workflowLogs } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';

export async function listLogs(db: DbExecutor, executionId: string, options: { limit: number } = { limit: 1000 }): Promise<LogRow[]> {
  return db.select().from(workflowLogs).where(eq(workflowLogs.executionId, executionId)).orderBy(asc(workflowLogs.id)).limit(options.limit);
}
