import { context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT } from '@opentelemetry/api';
import { core } from '@opentelemetry/sdk-node';

/**
 * Job data carries exactly one W3C `traceparent` header, so the W3C propagator is used directly
 * rather than the global one: it works whatever propagators the process registered.
 */
const w3c = new core.W3CTraceContextPropagator();

/**
 * Returns the W3C `traceparent` of the active span, to put in job data, or `undefined` when there is
 * no valid active span (telemetry disabled, or called outside any span).
 *
 * @example
 * ```ts
 * await queue.add(stepRunId, { ...job, traceparent: injectTraceContext() }, { jobId: stepRunId });
 * ```
 */
export function injectTraceContext(): string | undefined {
  const carrier: Record<string, string> = {};
  w3c.inject(context.active(), carrier, defaultTextMapSetter);
  return carrier['traceparent'];
}

/**
 * Runs `fn` with the span context of `traceparent` as the active (remote) parent, so spans started
 * inside continue the producer's trace. With no or a malformed `traceparent`, `fn` runs in the
 * current context unchanged.
 *
 * @example
 * ```ts
 * const result = await withExtractedContext(job.data.traceparent, () =>
 *   withSpan('worker', `step ${job.data.stepType}`, { 'step.id': job.data.stepId }, () => execute(job)),
 * );
 * ```
 */
export function withExtractedContext<T>(traceparent: string | undefined, fn: () => T): T {
  if (traceparent === undefined || traceparent === '') return fn();
  // Extracting into ROOT_CONTEXT drops whatever span was active: the job's producer is the parent.
  const extracted = w3c.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
  return context.with(extracted, fn);
}
