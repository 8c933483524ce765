import { pruneIdempotencyKeys } from '@agentic-flow/store';
import type pg from 'pg';
import type { Logger } from '@agentic-flow/telemetry';

/** Expired keys are harmless (a start takes one over), so pruning them only bounds the table: every 10 minutes is plenty. */
const PRUNE_EVERY_MS = 10 * 60 * 1000;

/** The leader's task that deletes expired `Idempotency-Key`s of execution starts. */
export function idempotencyKeyPruning(pool: pg.Pool, now: () => number, logger: Logger): () => Promise<void> {
  let last = 0;
  return async () => {
    if (now() - last < PRUNE_EVERY_MS) return;
    last = now();
    const deleted = await pruneIdempotencyKeys(pool, new Date(now()));
    if (deleted > 0) logger.debug({ deleted }, 'expired idempotency keys pruned');
  };
}
