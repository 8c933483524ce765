import { nextRootSampled, poolInScope, reserveSpan, traceScope, tracingActive } from '@agentic-flow/telemetry';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type pg from 'pg';

const tracer = trace.getTracer('agentic-flow-coordinator');

type Apply<E, R> = (entries: E[], lengths: number[]) => Promise<R>;

/**
 * With tracing on, applies each batch of results in a `results.apply` span whose PostgreSQL calls
 * are its children: the applier is built for the batch over a pool that makes its queries in the
 * span's scope (trace context is handed down, not carried by async hooks). A batch mixes
 * executions, so the span is a trace of its own (the execution traces hold the steps; this one
 * holds the coordinator's cost of applying them). The span is reserved before the batch and
 * recorded after it (`reserveSpan`), so making it is not part of the batch's latency. With
 * tracing off, the applier is built once and returned as it is.
 */
export function tracedApplier<E, R>(applierOn: (pool: pg.Pool) => Apply<E, R>, pool: pg.Pool): Apply<E, R> {
  const untraced = applierOn(pool);
  if (!tracingActive()) return untraced;
  return async (entries, lengths) => {
    // A batch the sampler drops costs no span, no context and no applier.
    if (!nextRootSampled()) return untraced(entries, lengths);
    const span = reserveSpan(ROOT_CONTEXT, true);
    const startTime = Date.now();
    let failure: unknown;
    try {
      return await applierOn(poolInScope(pool, traceScope(span.context)))(entries, lengths);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      const outcome = failure === undefined ? {} : { error: failure };
      span.record({ tracer, name: 'results.apply', attributes: { 'results.count': entries.length }, startTime, ...outcome });
    }
  };
}
