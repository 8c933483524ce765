import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { recoveryStrategies } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';

/**
 * What a strategy is registered for, in a namespace: a step type for every workflow
 * (`workflowId` null, `target` `http`), or one workflow's step (`target` its step id).
 */
export interface StrategyKey {
  namespace: string;
  workflowId: string | null;
  target: string;
}

export interface StoredStrategy extends StrategyKey {
  strategy: unknown;
  updatedAt: Date;
}

/** Registers (or replaces) the strategy for `key`. */
export async function upsertStrategy(db: DbExecutor, key: StrategyKey, strategy: unknown): Promise<void> {
  await db
    .insert(recoveryStrategies)
    .values({ ...key, strategy, updatedAt: new Date() })
    // The key's unique constraint is NULLS NOT DISTINCT, so a type-level row (workflow_id null) conflicts too.
    .onConflictDoUpdate({
      target: [recoveryStrategies.namespace, recoveryStrategies.workflowId, recoveryStrategies.target],
      set: { strategy, updatedAt: sql`now()` },
    });
}

/**
 * One namespace's strategies, type-level ones first, then by workflow and step; every namespace's
 * (by namespace first) when `namespace` is omitted, as the coordinators load them.
 */
export async function listStrategies(db: DbExecutor, namespace?: string): Promise<StoredStrategy[]> {
  return db
    .select()
    .from(recoveryStrategies)
    .where(namespace === undefined ? undefined : eq(recoveryStrategies.namespace, namespace))
    .orderBy(asc(recoveryStrategies.namespace), sql`${recoveryStrategies.workflowId} asc nulls first`, asc(recoveryStrategies.target));
}

/** Removes the strategy for `key`; false when none was registered for it. */
export async function deleteStrategy(db: DbExecutor, key: StrategyKey): Promise<boolean> {
  const deleted = await db
    .delete(recoveryStrategies)
    .where(
      and(
        eq(recoveryStrategies.namespace, key.namespace),
        key.workflowId === null ? isNull(recoveryStrategies.workflowId) : eq(recoveryStrategies.workflowId, key.workflowId),
        eq(recoveryStrategies.target, key.target),
      ),
    )
    .returning({ target: recoveryStrategies.target });
  return deleted.length > 0;
}
