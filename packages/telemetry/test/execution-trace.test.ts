import { context, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { executionContext, executionTraceIds, recordExecutionRoot, startTelemetry, tracingActive, type Telemetry } from '@agentic-flow/telemetry';

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

describe('one trace per execution, derived from its id', () => {
  const executionId = '0f8fad5b-d9cb-469f-a165-70867728950e';

  it('uses the UUID as the trace id and derives a stable root span id; other ids are hashed', () => {
    expect(executionTraceIds(executionId)).toEqual({ traceId: '0f8fad5bd9cb469fa16570867728950e', spanId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(executionTraceIds(executionId)).toEqual(executionTraceIds(executionId));
    expect(executionTraceIds('not-a-uuid').traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(executionTraceIds('a').spanId).not.toBe(executionTraceIds('b').spanId);
  });

  it('parents spans started in executionContext on the root span, which recordExecutionRoot creates with those ids', () => {
    telemetry = startTelemetry({ serviceName: 'test' });
    const { traceId, spanId } = executionTraceIds(executionId);
    const child = trace.getTracer('test').startSpan('child', {}, executionContext(executionId));
    expect(child.spanContext().traceId).toBe(traceId);
    expect((child as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId).toBe(spanId);
    child.end();

    let created: { traceId: string; spanId: string } | undefined;
    const tracer = trace.getTracer('agentic-flow');
    const startSpan = tracer.startSpan.bind(tracer);
    recordExecutionRoot(executionId, 'execution w', {});
    // The next span gets random ids again: forced ids are used once.
    const next = startSpan('after', {}, context.active());
    created = next.spanContext();
    expect(created.traceId).not.toBe(traceId);
    expect(created.spanId).not.toBe(spanId);
    next.end();
  });

  it('is active only while an exporting SDK runs', async () => {
    expect(tracingActive()).toBe(false);
    telemetry = startTelemetry({ serviceName: 'test' }); // no endpoint: spans get ids, nothing exported
    expect(tracingActive()).toBe(false);
  });
});
