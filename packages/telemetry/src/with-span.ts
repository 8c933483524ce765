import { context, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { traceScope, type TraceScope } from './trace-scope.js';

/**
 * Runs `fn` in a new span named `spanName` from tracer `tracerName`, child of `parent` (default:
 * the active context). A thrown error (or rejected promise) is recorded on the span as an exception
 * event, sets the status to `ERROR` with the error's message, and is rethrown. The span always ends.
 *
 * The span is active during `fn`'s synchronous part; past its first `await`, only what `fn` hands
 * the `scope` it receives runs under the span (no context follows an await: `ScopeContextManager`).
 * On success the status is left `UNSET`, as the OpenTelemetry specification asks of instrumentation.
 *
 * @example
 * ```ts
 * await withSpan('agentic-flow-coordinator', 'results.apply', { 'results.count': n }, (span, scope) =>
 *   apply(entries, poolInScope(pool, scope)),
 * );
 * ```
 */
export async function withSpan<T>(
  tracerName: string,
  spanName: string,
  attributes: Attributes,
  fn: (span: Span, scope: TraceScope) => T | Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  const span = trace.getTracer(tracerName).startSpan(spanName, { attributes }, parent);
  const scope = traceScope(trace.setSpan(parent, span));
  try {
    return await scope(() => fn(span, scope));
  } catch (error) {
    if (error instanceof Error) {
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    } else {
      span.recordException(String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    }
    throw error;
  } finally {
    span.end();
  }
}
