import { executionContext, traceLogFields, traceScope, tracingActive, withExtractedContext } from '@agentic-flow/telemetry';
import { context, ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags, type Context } from '@opentelemetry/api';
import type { JobProcessor } from './job-processor.js';

const tracer = trace.getTracer('agentic-flow-worker');

/**
 * Wraps the step processor in the step run's spans when traces are exported: `step <type>` (child
 * of the coordinator's `enqueue` span, whose context the job carries as `traceparent`), with two
 * children, `step.queue_wait` (from the enqueue to this worker taking the job) and `step.run` (the
 * processing: the executor's undici calls, the result's Redis calls and the step's log lines nest
 * under it). A job without a `traceparent` (enqueued again by the reconciler) joins its
 * execution's trace through the root span derived from its execution id.
 *
 * Without tracing the processor is returned as it is: no span, no context, nothing per step.
 */
export function tracedProcessor(processor: JobProcessor): JobProcessor {
  if (!tracingActive()) return processor;
  return async (job, token, signal) => {
    const data = (job.data ?? {}) as Record<string, unknown>;
    const takenAt = Date.now();
    const parent = parentContext(data);
    // An execution not sampled records nothing: no span, no scope, so the instrumented calls find
    // no parent and make no span either.
    if (!sampled(parent)) return processor(job, token, signal);
    const stepType = String(data['stepType'] ?? 'unknown');
    // A retry's wait would include its backoff: only a first attempt's span starts at the enqueue.
    const enqueuedAt = job.attemptsMade === 0 && typeof data['enqueuedAt'] === 'number' ? Math.min(data['enqueuedAt'], takenAt) : takenAt;
    const attributes = {
      'execution.id': String(data['executionId'] ?? ''),
      'step.run_id': String(data['stepRunId'] ?? job.id ?? ''),
      'step.id': String(data['stepId'] ?? ''),
      'step.type': stepType,
      'step.attempt': job.attemptsMade + 1,
    };
    const step = tracer.startSpan(`step ${stepType}`, { startTime: enqueuedAt, attributes }, parent);
    const inStep = trace.setSpan(parent, step);
    tracer.startSpan('step.queue_wait', { startTime: enqueuedAt, attributes }, inStep).end(takenAt);
    const run = tracer.startSpan('step.run', { startTime: takenAt, attributes }, inStep);
    const inRun = trace.setSpan(inStep, run);
    try {
      await processor(job, token, signal, { scope: traceScope(inRun), logFields: traceLogFields(inRun) });
    } catch (error) {
      // The processor throws for a failed step (its job must fail: the dead letter queue) and for a retry.
      const message = error instanceof Error ? error.message : String(error);
      run.setStatus({ code: SpanStatusCode.ERROR, message });
      step.setStatus({ code: SpanStatusCode.ERROR, message });
      throw error;
    } finally {
      run.end();
      step.end();
    }
  };
}

function sampled(parent: Context): boolean {
  const span = trace.getSpanContext(parent);
  return span !== undefined && (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
}

/** The coordinator's span from `traceparent`, else the execution's root, else none. */
function parentContext(data: Record<string, unknown>): Context {
  const traceparent = data['traceparent'];
  if (typeof traceparent === 'string' && traceparent !== '') {
    const extracted = withExtractedContext(traceparent, () => context.active());
    if (trace.getSpanContext(extracted) !== undefined) return extracted;
  }
  return typeof data['executionId'] === 'string' ? executionContext(data['executionId']) : ROOT_CONTEXT;
}
