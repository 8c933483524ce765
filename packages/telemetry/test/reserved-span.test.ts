import { randomUUID } from 'node:crypto';
import { context, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import type { tracing } from '@opentelemetry/sdk-node';
import { afterEach, describe, expect, it } from 'vitest';
import { executionContext, executionTraceIds, reserveSpan, startTelemetry, type Telemetry } from '@agentic-flow/telemetry';

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

const recorded = (span: unknown) => span as tracing.ReadableSpan;

describe('reserveSpan', () => {
  it('parents what is made meanwhile on the reserved ids, then records the span with them, its times and its parent', () => {
    telemetry = startTelemetry({ serviceName: 'test' });
    const executionId = randomUUID();
    const root = executionTraceIds(executionId);
    const reserved = reserveSpan(executionContext(executionId));
    expect(reserved.spanContext.traceId).toBe(root.traceId);
    expect(trace.getSpanContext(reserved.context)?.spanId).toBe(reserved.spanContext.spanId);

    const child = recorded(trace.getTracer('test').startSpan('child', {}, reserved.context));
    expect(child.parentSpanContext?.spanId).toBe(reserved.spanContext.spanId);
    expect(child.spanContext().traceId).toBe(root.traceId);

    const span = recorded(
      reserved.record({
        tracer: trace.getTracer('test'),
        name: 'step',
        attributes: { 'step.id': 'a' },
        startTime: 1_700_000_000_000,
        endTime: 1_700_000_000_250,
      }),
    );
    expect(span.spanContext()).toMatchObject({ traceId: root.traceId, spanId: reserved.spanContext.spanId });
    expect(span.parentSpanContext?.spanId).toBe(root.spanId);
    expect(span.name).toBe('step');
    expect(span.attributes).toEqual({ 'step.id': 'a' });
    expect(span.startTime).toEqual([1_700_000_000, 0]);
    expect(span.endTime).toEqual([1_700_000_000, 250_000_000]);
    expect(span.ended).toBe(true);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('records a failure as an ERROR status with its message', () => {
    telemetry = startTelemetry({ serviceName: 'test' });
    const reserved = reserveSpan(executionContext(randomUUID()));
    const span = recorded(
      reserved.record({ tracer: trace.getTracer('test'), name: 'step', attributes: {}, startTime: Date.now(), error: new Error('TIMEOUT: too slow') }),
    );
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TIMEOUT: too slow' });
  });

  it('reserves a root span in a trace of its own', () => {
    telemetry = startTelemetry({ serviceName: 'test' });
    const inside = executionContext(randomUUID());
    const reserved = reserveSpan(inside, true);
    expect(reserved.spanContext.traceId).not.toBe(trace.getSpanContext(inside)?.traceId);
    const span = recorded(reserved.record({ tracer: trace.getTracer('test'), name: 'batch', attributes: {}, startTime: Date.now() }));
    expect(span.spanContext()).toMatchObject(reserved.spanContext);
    expect(span.parentSpanContext).toBeUndefined();
  });

  it('starts a trace with the reserved ids when the parent holds no span', () => {
    telemetry = startTelemetry({ serviceName: 'test' });
    const reserved = reserveSpan(ROOT_CONTEXT);
    const span = recorded(reserved.record({ tracer: trace.getTracer('test'), name: 'orphan', attributes: {}, startTime: Date.now() }));
    expect(span.spanContext()).toMatchObject(reserved.spanContext);
    expect(span.parentSpanContext).toBeUndefined();
  });

  it('leaves no id behind for a later span when the span could not be made (tracing stopped meanwhile)', async () => {
    telemetry = startTelemetry({ serviceName: 'test' });
    const reserved = reserveSpan(executionContext(randomUUID()));
    await telemetry.shutdown();
    reserved.record({ tracer: trace.getTracer('test'), name: 'late', attributes: {}, startTime: Date.now() });
    telemetry = startTelemetry({ serviceName: 'test' });
    const next = trace.getTracer('test').startSpan('next', {}, context.active());
    expect(next.spanContext().spanId).not.toBe(reserved.spanContext.spanId);
    const again = trace.getTracer('test').startSpan('again', {}, ROOT_CONTEXT);
    expect(again.spanContext().spanId).not.toBe(reserved.spanContext.spanId);
  });
});
