import { SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { idGenerator } from './forced-ids.js';

/**
 * A span whose ids are drawn now and which is recorded later, once its end is known: `context`
 * holds it as the parent of what is made meanwhile (an instrumented call's span, a log line's
 * `span_id`), and `record` creates and ends the real span with those ids and the times it is
 * given. A step's spans are recorded after its result is on its way, so that making them costs
 * nothing on the path from one step to the next; a trace viewer shows the same tree.
 */
export interface ReservedSpan {
  /** `parent` with this span as its active span. */
  readonly context: Context;
  readonly spanContext: SpanContext;
  record(recording: SpanRecording): Span;
}

export interface SpanRecording {
  /** The tracer the span is recorded by, got once by its caller (each `trace.getTracer` call is a lookup). */
  tracer: Tracer;
  name: string;
  attributes: Attributes;
  /** Epoch milliseconds. */
  startTime: number;
  /** Epoch milliseconds; default now. */
  endTime?: number;
  /** A failure: the span's status is `ERROR` with its message. */
  error?: unknown;
}

/**
 * Reserves a sampled span under `parent`, whose span must be valid and sampled (callers skip an
 * unsampled execution before anything else); with `root`, a span starting a trace of its own.
 */
export function reserveSpan(parent: Context, root = false): ReservedSpan {
  const parentSpan = root ? undefined : trace.getSpanContext(parent);
  // Without a parent the span starts a trace, whether asked to or not: its trace id is forced too.
  const starts = parentSpan === undefined;
  const spanContext: SpanContext = {
    traceId: parentSpan?.traceId ?? idGenerator.generateTraceId(),
    spanId: idGenerator.generateSpanId(),
    traceFlags: TraceFlags.SAMPLED,
  };
  const base = starts ? trace.deleteSpan(parent) : parent;
  return {
    context: trace.setSpanContext(base, spanContext),
    spanContext,
    record({ tracer, name, attributes, startTime, endTime, error }) {
      if (starts) idGenerator.forceNextIds(spanContext.traceId, spanContext.spanId);
      else idGenerator.forceNextSpanId(spanContext.spanId);
      const span = tracer.startSpan(name, { attributes, startTime, ...(starts ? { root: true } : {}) }, base);
      idGenerator.unforce();
      if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      span.end(endTime);
      return span;
    },
  };
}
