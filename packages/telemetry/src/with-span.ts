import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/**
 * Runs `fn` inside a new active span named `spanName` from tracer `tracerName`. A thrown error (or
 * rejected promise) is recorded on the span as an exception event, sets the status to `ERROR` with
 * the error's message, and is rethrown. The span always ends.
 *
 * On success the status is left `UNSET`, as the OpenTelemetry specification asks of instrumentation
 * (`OK` is reserved for an application overriding an error); `fn` receives the span to set it or
 * add attributes.
 *
 * @example
 * ```ts
 * const output = await withSpan('worker', 'step http', { 'step.id': stepId, 'execution.id': executionId },
 *   (span) => executor.execute(job, { signal }),
 * );
 * ```
 */
export async function withSpan<T>(
  tracerName: string,
  spanName: string,
  attributes: Attributes,
  fn: (span: Span) => T | Promise<T>,
): Promise<T> {
  return trace.getTracer(tracerName).startActiveSpan(spanName, { attributes }, async (span) => {
    try {
      return await fn(span);
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
  });
}
