import { and, asc, eq, sql } from 'drizzle-orm';
import { recoveryStrategies } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';

export interface StoredStrategy {
  namespace: string;
  target: string;
  strategy: unknown;
  updatedAt: Date;
}

/** Registers (or replaces) a namespace's strategy for a step type or step id. */
export async function upsertStrategy(db: DbExecutor, namespace: string, target: string, strategy: unknown): Promise<void> {
  await db
    .insert(recoveryStrategies)
    .values({ namespace, target, strategy, updatedAt: new Date() })
    .onConflictDoUpdate({ target: [recoveryStrategies.namespace, recoveryStrategies.target], set: { strategy, updatedAt: sql`now()` } });
}

/** One namespace's strategies by target; every namespace's (by namespace, then target) when `namespace` is omitted, as the coordinators load them. */
export async function listStrategies(db: DbExecutor, namespace?: string): Promise<StoredStrategy[]> {
  return db
    .select()
    .from(recoveryStrategies)
    .where(namespace === undefined ? undefined : eq(recoveryStrategies.namespace, namespace))
    .orderBy(asc(recoveryStrategies.namespace), asc(recoveryStrategies.target));
}

export async function deleteStrategy(db: DbExecutor, namespace: string, target: string): Promise<boolean> {
  const deleted = await db
    .delete(recoveryStrategies)
    .where(and(eq(recoveryStrategies.namespace, namespace), eq(recoveryStrategies.target, target)))
    .returning({ target: recoveryStrategies.target });
  return deleted.length > 0;
}
