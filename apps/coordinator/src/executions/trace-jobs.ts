import type { StepJob } from '@agentic-flow/queue';
import { executionContext, reserveSpan, tracingActive, type ReservedSpan } from '@agentic-flow/telemetry';
import { trace, TraceFlags } from '@opentelemetry/api';

const tracer = trace.getTracer('agentic-flow-coordinator');

/**
 * With tracing on, gives each job a `traceparent`: an `enqueue <type>` span, child of its
 * execution's root span (`executionContext`), that the worker's step span continues. Returns the
 * jobs and a function recording the spans once they are enqueued: the span is reserved here and
 * made then (`reserveSpan`), off the path from the transaction to the job. With tracing off (no
 * `OTEL_EXPORTER_OTLP_ENDPOINT`) it returns the jobs as they are: no span, no allocation per job.
 */
export function traceJobs(jobs: readonly StepJob[]): { jobs: readonly StepJob[]; end: (error?: unknown) => void } {
  if (!tracingActive() || jobs.length === 0) return { jobs, end: noop };
  const startTime = Date.now();
  const reserved: [StepJob, ReservedSpan][] = [];
  const traced = jobs.map((job) => {
    const parent = executionContext(job.executionId);
    const root = trace.getSpanContext(parent)!;
    // Not sampled: no span; the job still carries the decision, so its worker records nothing either.
    if ((root.traceFlags & TraceFlags.SAMPLED) !== TraceFlags.SAMPLED) return { ...job, traceparent: `00-${root.traceId}-${root.spanId}-00` };
    const span = reserveSpan(parent);
    reserved.push([job, span]);
    return { ...job, traceparent: `00-${span.spanContext.traceId}-${span.spanContext.spanId}-01` };
  });
  return {
    jobs: traced,
    end: (error) => {
      const endTime = Date.now();
      for (const [job, span] of reserved) {
        span.record({
          tracer,
          name: `enqueue ${job.stepType}`,
          attributes: {
            'execution.id': job.executionId,
            'step.run_id': job.stepRunId,
            'step.id': job.stepId,
            'step.type': job.stepType,
            'workflow.id': job.workflowId,
          },
          startTime,
          endTime,
          ...(error === undefined ? {} : { error }),
        });
      }
    },
  };
}

function noop(): void {}
