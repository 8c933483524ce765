import { tracingActive, withSpan } from '@agentic-flow/telemetry';
import type { CoordinatorMetrics } from './coordinator-metrics.js';

/**
 * Wraps the result applier: counts each batch (results per transaction, time to apply) in memory,
 * and, with tracing on, runs it in a `results.apply` span so its PostgreSQL and Redis calls are
 * traced under one parent. A batch mixes executions, so the span is a trace of its own (the
 * execution traces hold the steps; this one holds the coordinator's cost of applying them).
 */
export function measuredApplier<E, R>(apply: (entries: E[], lengths: number[]) => Promise<R>, metrics: CoordinatorMetrics): (entries: E[], lengths: number[]) => Promise<R> {
  return async (entries, lengths) => {
    const startedAt = performance.now();
    const outcome = tracingActive()
      ? await withSpan('agentic-flow-coordinator', 'results.apply', { 'results.count': entries.length }, () => apply(entries, lengths))
      : await apply(entries, lengths);
    metrics.resultsApplied.inc(entries.length);
    metrics.resultsPerTransaction.observe(entries.length);
    metrics.transactionSeconds.observe((performance.now() - startedAt) / 1000);
    return outcome;
  };
}
