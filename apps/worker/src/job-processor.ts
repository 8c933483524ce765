import type { TraceScope } from '@agentic-flow/telemetry';
import type { Job } from 'bullmq';

/**
 * A traced step's `step.run` span, handed down to the processor: no context follows an `await`
 * (see `ScopeContextManager`), so the processor runs its instrumented calls — the result's Redis
 * transaction, the executor's requests (`StepRuntime.inTrace`) — in `scope`, and binds `logFields`
 * on the step's logger so its lines carry the span's ids.
 */
export interface StepTrace {
  scope: TraceScope;
  logFields: { trace_id?: string; span_id?: string };
}

/**
 * What BullMQ calls per job: at least three declared parameters, so BullMQ hands over its per-job
 * signal. The fourth is ours: the step's trace, when `tracedProcessor` traces it.
 */
export type JobProcessor = (job: Job, token?: string, signal?: AbortSignal, trace?: StepTrace) => Promise<void>;
