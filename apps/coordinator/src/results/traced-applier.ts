import { nextRootSampled, poolInScope, tracingActive, withSpan } from '@agentic-flow/telemetry';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import type pg from 'pg';

type Apply<E, R> = (entries: E[], lengths: number[]) => Promise<R>;

/**
 * With tracing on, applies each batch of results in a `results.apply` span whose PostgreSQL calls
 * are its children: the applier is built for the batch over a pool that makes its queries in the
 * span's scope (trace context is handed down, not carried by async hooks). A batch mixes
 * executions, so the span is a trace of its own (the execution traces hold the steps; this one
 * holds the coordinator's cost of applying them). With tracing off, the applier is built once and
 * returned as it is.
 */
export function tracedApplier<E, R>(applierOn: (pool: pg.Pool) => Apply<E, R>, pool: pg.Pool): Apply<E, R> {
  const untraced = applierOn(pool);
  if (!tracingActive()) return untraced;
  return (entries, lengths) => {
    // A batch the sampler drops costs no span, no context and no applier.
    if (!nextRootSampled()) return untraced(entries, lengths);
    return withSpan(
      'agentic-flow-coordinator',
      'results.apply',
      { 'results.count': entries.length },
      (_span, scope) => applierOn(poolInScope(pool, scope))(entries, lengths),
      ROOT_CONTEXT,
    );
  };
}
