import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectTraceContext, ScopeContextManager, withExtractedContext, withSpan } from '@agentic-flow/telemetry';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

/** Finished spans; the processor exports asynchronously once resource detection settles. */
async function finishedSpans(): Promise<tracing.ReadableSpan[]> {
  await processor.forceFlush();
  return exporter.getFinishedSpans();
}

// A tracer provider that keeps finished spans in memory, registered through the SDK with the
// context manager the apps use (context.with needs one).
const exporter = new tracing.InMemorySpanExporter();
const processor = new tracing.SimpleSpanProcessor(exporter);
const sdk = new NodeSDK({
  serviceName: 'trace-context-test',
  contextManager: new ScopeContextManager(),
  spanProcessors: [processor],
  metricReaders: [],
  logRecordProcessors: [],
  textMapPropagator: null, // the helpers must not depend on a global propagator
});

beforeAll(() => sdk.start());
afterAll(async () => {
  await sdk.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

describe('injectTraceContext', () => {
  it('returns undefined outside any span', () => {
    expect(injectTraceContext()).toBeUndefined();
  });

  it("returns the active span's W3C traceparent", async () => {
    await withSpan('test', 'producer', {}, (span) => {
      const { traceId, spanId } = span.spanContext();
      expect(injectTraceContext()).toBe(`00-${traceId}-${spanId}-01`);
    });
  });
});

describe('withExtractedContext', () => {
  it('round-trips: a span started inside is a child of the injected span', async () => {
    let traceparent: string | undefined;
    await withSpan('coordinator', 'enqueue', {}, () => {
      traceparent = injectTraceContext();
    });
    expect(traceparent).toMatch(TRACEPARENT);
    const [, traceId, parentSpanId] = TRACEPARENT.exec(traceparent ?? '') ?? [];

    // As in a worker: a fresh root context, then the job's traceparent.
    const child = await context.with(ROOT_CONTEXT, () =>
      withExtractedContext(traceparent, () =>
        withSpan('worker', 'step', {}, (span) => {
          expect(injectTraceContext()).toMatch(new RegExp(`^00-${traceId}-`));
          return span.spanContext();
        }),
      ),
    );
    expect(child.traceId).toBe(traceId);

    const finished = (await finishedSpans()).find((span) => span.spanContext().spanId === child.spanId);
    expect(finished?.parentSpanContext?.spanId).toBe(parentSpanId);
    expect(finished?.parentSpanContext?.isRemote).toBe(true);
  });

  it('extracts a traceparent from another process verbatim', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const spanContext = withExtractedContext(traceparent, () => trace.getSpanContext(context.active()));

    expect(spanContext).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(withExtractedContext(traceparent, injectTraceContext)).toBe(traceparent);
  });

  it('runs fn unchanged with no or a malformed traceparent', () => {
    expect(withExtractedContext(undefined, () => 42)).toBe(42);
    expect(withExtractedContext('garbage', () => trace.getSpanContext(context.active()))).toBeUndefined();
  });
});

describe('withSpan', () => {
  it('records attributes, and an exception with ERROR status, then rethrows', async () => {
    exporter.reset();
    await expect(
      withSpan('worker', 'failing', { 'step.id': 'fetch' }, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');

    const [span] = await finishedSpans();
    expect(span?.name).toBe('failing');
    expect(span?.attributes).toEqual({ 'step.id': 'fetch' });
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(span?.events.map((event) => event.name)).toEqual(['exception']);
    expect(span?.events[0]?.attributes?.['exception.message']).toBe('boom');
  });

  it('ends the span and leaves the status unset on success', async () => {
    exporter.reset();
    await expect(withSpan('worker', 'ok', {}, () => 'done')).resolves.toBe('done');

    const [span] = await finishedSpans();
    expect(span?.ended).toBe(true);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });
});
