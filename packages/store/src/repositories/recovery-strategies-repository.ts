import { asc, eq, sql } from 'drizzle-orm';
import { recoveryStrategies } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';

export interface StoredStrategy {
  target: string;
  strategy: unknown;
  updatedAt: Date;
}

/** Registers (or replaces) the strategy for a step type or step id. */
export async function upsertStrategy(db: DbExecutor, target: string, strategy: unknown): Promise<void> {
  await db
    .insert(recoveryStrategies)
    .values({ target, strategy, updatedAt: new Date() })
    .onConflictDoUpdate({ target: recoveryStrategies.target, set: { strategy, updatedAt: sql`now()` } });
}

export async function listStrategies(db: DbExecutor): Promise<StoredStrategy[]> {
  return db.select().from(recoveryStrategies).orderBy(asc(recoveryStrategies.target));
}

export async function deleteStrategy(db: DbExecutor, target: string): Promise<boolean> {
  const deleted = await db.delete(recoveryStrategies).where(eq(recoveryStrategies.target, target)).returning({ target: recoveryStrategies.target });
  return deleted.length > 0;
}
