import { randomUUID } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  executionContext,
  executionTraceIds,
  nextRootSampled,
  recordExecutionRoot,
  startTelemetry,
  tracesSampler,
  tracingActive,
  type Telemetry,
} from '@agentic-flow/telemetry';

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

    const tracer = trace.getTracer('agentic-flow');
    const startSpan = tracer.startSpan.bind(tracer);
    recordExecutionRoot(executionId, 'execution w', {});
    // The next span gets random ids again: forced ids are used once.
    const next = startSpan('after', {}, context.active());
    const created = next.spanContext();
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

describe('sampling per execution', () => {
  const ids = Array.from({ length: 400 }, () => randomUUID());
  const sampledShare = () => ids.filter((id) => trace.getSpanContext(executionContext(id))!.traceFlags === 1).length / ids.length;

  it('marks an execution sampled or not by the configured sampler, the same way every time, and children follow', () => {
    telemetry = startTelemetry({ serviceName: 'test', env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' } });
    const share = sampledShare();
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.4);
    expect(sampledShare()).toBe(share);
    const tracer = trace.getTracer('test');
    for (const id of ids.slice(0, 40)) {
      const sampled = trace.getSpanContext(executionContext(id))!.traceFlags === 1;
      const child = tracer.startSpan('child', {}, executionContext(id));
      expect(child.isRecording()).toBe(sampled);
      child.end();
    }
  });

  it("derives an execution's context once: every job of it gets the same one", () => {
    telemetry = startTelemetry({ serviceName: 'test', env: {} });
    expect(executionContext(ids[0]!)).toBe(executionContext(ids[0]!));
    expect(executionContext(ids[1]!)).not.toBe(executionContext(ids[0]!));
  });

  it("decides a root span's sampling before it exists, and the next root span keeps that decision", () => {
    telemetry = startTelemetry({ serviceName: 'test', env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' } });
    const tracer = trace.getTracer('test');
    let sampled = 0;
    for (let i = 0; i < 400; i++) {
      if (!nextRootSampled()) continue;
      sampled++;
      // The trace id drawn for the decision is the span's: a ratio sampler decides the same again.
      const span = tracer.startSpan('results.apply', { root: true });
      expect(span.isRecording()).toBe(true);
      span.end();
    }
    expect(sampled).toBeGreaterThan(140);
    expect(sampled).toBeLessThan(260);
  });

  it('never samples a root span with always_off, and leaves no forced id behind', () => {
    telemetry = startTelemetry({ serviceName: 'test', env: { OTEL_TRACES_SAMPLER: 'always_off' } });
    expect(Array.from({ length: 50 }, () => nextRootSampled()).some(Boolean)).toBe(false);
    const a = trace.getTracer('test').startSpan('a', { root: true });
    const b = trace.getTracer('test').startSpan('b', { root: true });
    expect(a.spanContext().traceId).not.toBe(b.spanContext().traceId);
  });

  it('samples every execution by default and none with always_off', async () => {
    telemetry = startTelemetry({ serviceName: 'test', env: {} });
    expect(sampledShare()).toBe(1);
    await telemetry.shutdown();
    telemetry = startTelemetry({ serviceName: 'test', env: { OTEL_TRACES_SAMPLER: 'always_off' } });
    expect(sampledShare()).toBe(0);
  });

  it('refuses a sampler or ratio it does not know, naming the variable', () => {
    expect(() => tracesSampler({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/OTEL_TRACES_SAMPLER: "sometimes" is not one of always_on/);
    expect(() => tracesSampler({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(
      /OTEL_TRACES_SAMPLER_ARG: "1.5" is not a ratio/,
    );
    expect(() => tracesSampler({ OTEL_TRACES_SAMPLER_ARG: 'half' })).toThrow(TypeError);
    expect(tracesSampler({ OTEL_TRACES_SAMPLER: ' TraceIdRatio ', OTEL_TRACES_SAMPLER_ARG: '0' }).toString()).toMatch(/TraceIdRatioBased\{0\}/);
  });
});
