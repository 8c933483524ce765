import type { CoordinatorMetrics } from './coordinator-metrics.js';

/** Wraps the result applier: counts each batch (results per transaction, time to apply) in memory. */
export function measuredApplier<E, R>(
  apply: (entries: E[], lengths: number[]) => Promise<R>,
  metrics: CoordinatorMetrics,
): (entries: E[], lengths: number[]) => Promise<R> {
  return async (entries, lengths) => {
    const startedAt = performance.now();
    const outcome = await apply(entries, lengths);
    metrics.resultsApplied.inc(entries.length);
    metrics.resultsPerTransaction.observe(entries.length);
    metrics.transactionSeconds.observe((performance.now() - startedAt) / 1000);
    return outcome;
  };
}
