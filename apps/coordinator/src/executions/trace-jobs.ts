import type { StepJob } from '@agentic-flow/queue';
import { executionContext, tracingActive } from '@agentic-flow/telemetry';
import { SpanStatusCode, trace, TraceFlags, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('agentic-flow-coordinator');

/**
 * With tracing on, gives each job a `traceparent`: an `enqueue <type>` span, child of its
 * execution's root span (`executionContext`), that the worker's step span continues. Returns the
 * jobs and a function ending the spans once they are enqueued. With tracing off (no
 * `OTEL_EXPORTER_OTLP_ENDPOINT`) it returns the jobs as they are: no span, no allocation per job.
 */
export function traceJobs(jobs: readonly StepJob[]): { jobs: readonly StepJob[]; end: (error?: unknown) => void } {
  if (!tracingActive() || jobs.length === 0) return { jobs, end: noop };
  const spans: Span[] = [];
  const traced = jobs.map((job) => {
    const parent = executionContext(job.executionId);
    const root = trace.getSpanContext(parent)!;
    // Not sampled: no span; the job still carries the decision, so its worker records nothing either.
    if ((root.traceFlags & TraceFlags.SAMPLED) !== TraceFlags.SAMPLED) return { ...job, traceparent: `00-${root.traceId}-${root.spanId}-00` };
    const span = tracer.startSpan(
      `enqueue ${job.stepType}`,
      {
        attributes: {
          'execution.id': job.executionId,
          'step.run_id': job.stepRunId,
          'step.id': job.stepId,
          'step.type': job.stepType,
          'workflow.id': job.workflowId,
        },
      },
      parent,
    );
    spans.push(span);
    const { traceId, spanId, traceFlags } = span.spanContext();
    return { ...job, traceparent: `00-${traceId}-${spanId}-${(traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00'}` };
  });
  return {
    jobs: traced,
    end: (error) => {
      for (const span of spans) {
        if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        span.end();
      }
    },
  };
}

function noop(): void {}
