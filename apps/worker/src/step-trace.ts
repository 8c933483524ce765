import { executionContext, reserveSpan, traceLogFields, traceScope, tracingActive, withExtractedContext } from '@agentic-flow/telemetry';
import { context, ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api';
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
 * The three spans are reserved when the job is taken and recorded once the processor is done: the
 * result is then on its way, and the next step does not wait for them (`reserveSpan`).
 *
 * Without tracing the processor is returned as it is: no span, no context, nothing per step.
 */
export function tracedProcessor(processor: JobProcessor): JobProcessor {
  if (!tracingActive()) return processor;
  return async (job, token, signal) => {
    const data = (job.data ?? {}) as Record<string, unknown>;
    // The coordinator's sampling decision, read straight from the job: an execution not sampled
    // costs no context, no propagator call, nothing.
    if (unsampled(data['traceparent'])) return processor(job, token, signal);
    const takenAt = Date.now();
    const parent = parentContext(data);
    // An execution not sampled records nothing: no span, no scope, so the instrumented calls find
    // no parent and make no span either.
    if (!sampled(parent)) return processor(job, token, signal);
    const step = reserveSpan(parent);
    const run = reserveSpan(step.context);
    let failure: unknown;
    try {
      await processor(job, token, signal, { scope: traceScope(run.context), logFields: traceLogFields(run.context) });
    } catch (error) {
      // The processor throws for a failed step (its job must fail: the dead letter queue) and for a retry.
      failure = error;
      throw error;
    } finally {
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
      const endTime = Date.now();
      const outcome = failure === undefined ? {} : { error: failure };
      step.record({ tracer, name: `step ${stepType}`, attributes, startTime: enqueuedAt, endTime, ...outcome });
      tracer.startSpan('step.queue_wait', { startTime: enqueuedAt, attributes }, step.context).end(takenAt);
      run.record({ tracer, name: 'step.run', attributes, startTime: takenAt, endTime, ...outcome });
    }
  };
}

const VERSION_00_TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-([0-9a-f]{2})$/;

/** A W3C `traceparent` (version 00) whose sampled flag is off; anything else is read by the propagator. */
function unsampled(traceparent: unknown): boolean {
  if (typeof traceparent !== 'string') return false;
  const flags = VERSION_00_TRACEPARENT.exec(traceparent)?.[1];
  return flags !== undefined && (Number.parseInt(flags, 16) & TraceFlags.SAMPLED) === 0;
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
