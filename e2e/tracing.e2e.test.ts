import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const COORDINATOR = 'agentic-flow-coordinator';
const WORKER = 'agentic-flow-worker';

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('traces: one execution, one trace across the coordinator and two workers (OTLP/HTTP to a real receiver)', () => {
  let cluster: Cluster;
  let api: DataServer;
  let receiver: OtlpReceiver;
  let executionId: string;

  beforeAll(async () => {
    [api, receiver] = await Promise.all([startDataServer(), startOtlpReceiver()]);
    // A short batch delay so spans arrive while the test waits (the default is 5 s).
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
    cluster = await startCluster([['http'], ['script']], { coordinator: otel, worker: { ...otel, LOG_LEVEL: 'debug' } });
    await cluster.client.createWorkflow({
      id: 'traced',
      name: 'traced',
      version: '1',
      steps: [
        { id: 'fetch', type: 'http', config: { url: `${api.url}/data` }, next: ['count'] },
        { id: 'count', type: 'script', config: { script: 'return results.fetch.items.length' } },
      ],
    } as never);
    executionId = await cluster.client.executeWorkflow('traced', {});
    const done = await cluster.client.waitForCompletion(executionId, { timeoutMs: 60_000 });
    expect(done.status).toBe('completed');
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close()]);
    await receiver?.close();
  });

  it("nests coordinator → job → worker → executor spans under the execution's trace id", async () => {
    const traceId = executionId.replace(/-/g, '');
    const ofTrace = (): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === traceId);
    const find = (service: string, name: string): ReceivedSpan | undefined => ofTrace().find((s) => s.service === service && s.name === name);
    const root = await until('the execution root span', () => find(COORDINATOR, 'execution traced'));
    expect(root.parentSpanId).toBe('');
    expect(root.attributes).toMatchObject({ 'execution.id': executionId, 'workflow.id': 'traced' });

    for (const type of ['http', 'script']) {
      const enqueue = await until(`enqueue ${type}`, () => find(COORDINATOR, `enqueue ${type}`));
      expect(enqueue.parentSpanId).toBe(root.spanId);
      const step = await until(`step ${type}`, () => find(WORKER, `step ${type}`));
      expect(step.parentSpanId).toBe(enqueue.spanId);
      expect(step.attributes).toMatchObject({ 'execution.id': executionId, 'step.type': type });
      const wait = await until(`queue wait of ${type}`, () => ofTrace().find((s) => s.name === 'step.queue_wait' && s.parentSpanId === step.spanId));
      const run = await until(`run of ${type}`, () => ofTrace().find((s) => s.name === 'step.run' && s.parentSpanId === step.spanId));
      expect(BigInt(wait.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(run.startTimeUnixNano));
      // The result's XADD (ioredis instrumentation) happens inside the run.
      await until(`a redis span under the ${type} run`, () => ofTrace().find((s) => s.parentSpanId === run.spanId && s.scope.includes('ioredis')));
    }

    // The http step's request (undici instrumentation) is a child of the http run.
    const httpRun = ofTrace().find((s) => s.name === 'step.run' && s.attributes['step.type'] === 'http')!;
    const request = await until('the undici span of the http step', () =>
      ofTrace().find((s) => s.scope.includes('undici') && s.parentSpanId === httpRun.spanId),
    );
    expect(String(request.attributes['url.full'])).toBe(`${api.url}/data`);

    // Both workers and the coordinator took part in this one trace.
    const workersInTrace = new Set(
      ofTrace()
        .filter((s) => s.service === WORKER)
        .map((s) => s.attributes['step.type'])
        .filter(Boolean),
    );
    expect([...workersInTrace].sort()).toEqual(['http', 'script']);
  });

  it("traces the coordinator's PostgreSQL calls (pg instrumentation) under its results.apply spans", async () => {
    const apply = await until('a results.apply span', () => receiver.spans.find((s) => s.service === COORDINATOR && s.name === 'results.apply'));
    const query = await until('a pg span under results.apply', () => receiver.spans.find((s) => s.parentSpanId === apply.spanId && s.scope.includes('pg')));
    // The statement's text is cut (it is ~3 KB), and no connect spans are made.
    expect(String(query.attributes['db.statement'] ?? query.attributes['db.query.text']).length).toBeLessThanOrEqual(1024);
    expect(receiver.spans.filter((s) => s.name === 'pg-pool.connect')).toEqual([]);
  });

  it('names the Redis command on its spans, never its arguments (job data, step results)', async () => {
    const redis = receiver.spans.filter((s) => s.scope.includes('ioredis'));
    expect(redis.length).toBeGreaterThan(0);
    for (const span of redis) expect(String(span.attributes['db.statement'] ?? span.attributes['db.query.text'])).toMatch(/^[a-z]+$/i);
  });

  it("writes trace_id, span_id, executionId and stepRunId on the worker's log lines about a step", async () => {
    const traceId = executionId.replace(/-/g, '');
    const lines = cluster.workers
      .flatMap((w) => w.lines)
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
    const stepLines = lines.filter((l) => l['msg'] === 'step succeeded');
    expect(stepLines).toHaveLength(2);
    const runSpans = receiver.spans.filter((s) => s.traceId === traceId && s.name === 'step.run').map((s) => s.spanId);
    for (const line of stepLines) {
      expect(line).toMatchObject({ trace_id: traceId, executionId, stepRunId: expect.any(String) });
      expect(runSpans).toContain(line['span_id']);
    }
  });
});

describe('traces sampled per execution: each trace is whole or absent', () => {
  let cluster: Cluster;
  let api: DataServer;
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    [api, receiver] = await Promise.all([startDataServer(), startOtlpReceiver()]);
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.5',
    };
    cluster = await startCluster([['http'], ['script']], { coordinator: otel, worker: otel });
    await cluster.client.createWorkflow({
      id: 'sampled',
      name: 'sampled',
      version: '1',
      steps: [
        { id: 'fetch', type: 'http', config: { url: `${api.url}/data` }, next: ['count'] },
        { id: 'count', type: 'script', config: { script: 'return results.fetch.items.length' } },
      ],
    } as never);
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close()]);
    await receiver?.close();
  });

  it('records about half the executions, each with every span of both workers and the coordinator, and nothing of the others', async () => {
    const ids = await Promise.all(Array.from({ length: 16 }, () => cluster.client.executeWorkflow('sampled', {})));
    for (const id of ids) expect((await cluster.client.waitForCompletion(id, { timeoutMs: 60_000 })).status).toBe('completed');
    // A whole trace: root, two enqueues, two steps each with a wait and a run.
    const whole = (traceId: string) =>
      ['execution sampled', 'enqueue http', 'enqueue script', 'step http', 'step script'].every((name) =>
        receiver.spans.some((s) => s.traceId === traceId && s.name === name),
      );
    const traces = ids.map((id) => id.replace(/-/g, ''));
    // Wait for the exports of the sampled ones to settle (a batch every 100 ms).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const recorded = traces.filter((t) => receiver.spans.some((s) => s.traceId === t));
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.length).toBeLessThan(traces.length);
    for (const traceId of recorded) await until(`every span of trace ${traceId}`, () => (whole(traceId) ? true : undefined));
  });
});
