import { createHash } from 'node:crypto';
import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { idGenerator } from './forced-ids.js';

/**
 * One trace per execution, without storing anything: the trace id is the execution id's 128 bits
 * (a UUID without its dashes; any other id is hashed), and the root span id is derived from it too.
 * Every process that works on the execution — any coordinator, any worker, after any restart —
 * computes the same parent, so its spans land in the execution's trace.
 */
export function executionTraceIds(executionId: string): { traceId: string; spanId: string } {
  const hex = executionId.replace(/-/g, '').toLowerCase();
  const digest = createHash('sha256').update(executionId).digest('hex');
  const traceId = /^[0-9a-f]{32}$/.test(hex) && hex !== '0'.repeat(32) ? hex : digest.slice(0, 32);
  return { traceId, spanId: digest.slice(32, 48) };
}

let rootSampler: tracing.Sampler | undefined;

/** The sampler that decides, from an execution's trace id, whether its trace is recorded (set by `startTelemetry`). */
export function useExecutionSampler(sampler: tracing.Sampler | undefined): void {
  rootSampler = sampler;
  // Decisions taken by another sampler do not hold any more.
  recentContexts.clear();
}

/**
 * Whether the execution's trace is sampled: the sampler's decision for a root span with its trace
 * id. Ratio samplers decide from the trace id alone, so every process — the coordinator that
 * created the root span, any worker, after any restart — agrees without being told.
 */
function executionSampled(traceId: string): boolean {
  if (rootSampler === undefined) return true;
  return rootSampler.shouldSample(ROOT_CONTEXT, traceId, 'execution', SpanKind.INTERNAL, {}, []).decision === tracing.SamplingDecision.RECORD_AND_SAMPLED;
}

/**
 * Contexts of the executions seen last: a context never changes for an execution, and every job of
 * an execution asks for it (a hash and a sampling decision each time otherwise). Bounded: the
 * oldest entry goes first.
 */
const recentContexts = new Map<string, Context>();
const RECENT_CONTEXTS = 4_096;

/** A context whose (remote) parent is the execution's root span: spans started in it join the execution's trace (recorded if it is sampled). */
export function executionContext(executionId: string): Context {
  const known = recentContexts.get(executionId);
  if (known !== undefined) return known;
  const { traceId, spanId } = executionTraceIds(executionId);
  const derived = trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId,
    traceFlags: executionSampled(traceId) ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
  if (recentContexts.size >= RECENT_CONTEXTS) recentContexts.delete(recentContexts.keys().next().value!);
  recentContexts.set(executionId, derived);
  return derived;
}

/**
 * Whether the next root span (one that is not about an execution, such as `results.apply`) will be
 * sampled, decided now: its trace id is drawn here and forced on the next span, so a caller that
 * learns it will not be sampled skips the span, its context and its scope altogether.
 */
export function nextRootSampled(): boolean {
  const traceId = idGenerator.generateTraceId();
  if (
    rootSampler !== undefined &&
    rootSampler.shouldSample(ROOT_CONTEXT, traceId, 'root', SpanKind.INTERNAL, {}, []).decision !== tracing.SamplingDecision.RECORD_AND_SAMPLED
  )
    return false;
  idGenerator.forceNextIds(traceId, idGenerator.generateSpanId());
  return true;
}

/**
 * Creates and ends the execution's root span, with the derived ids, when the execution starts: the
 * spans of its steps, created later by any process, are its children. (A span may end before its
 * children: trace viewers nest by ids, not by times.)
 */
export function recordExecutionRoot(executionId: string, name: string, attributes: Attributes): void {
  const { traceId, spanId } = executionTraceIds(executionId);
  idGenerator.forceNextIds(traceId, spanId);
  const span: Span = trace.getTracer('agentic-flow').startSpan(name, { root: true, attributes }, context.active());
  span.end();
}
