import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoordinator, testRedis, type CoordinatorProcess } from '@agentic-flow/testing';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';
import { infraExpressions, promqlMetricNames, scrapedNames } from './metric-names.js';

/** What Prometheus adds itself to every target: not in any scrape. */
const PROMETHEUS_SERIES = new Set(['up']);

const workflow = (api: string) => ({
  id: 'observed',
  name: 'observed',
  version: '1',
  steps: [
    { id: 'fetch', type: 'http', config: { url: `${api}/data` }, next: ['sum'] },
    { id: 'sum', type: 'script', config: { script: 'return results.fetch.items.length' }, next: ['boom'] },
    { id: 'boom', type: 'script', config: { script: "throw new Error('expected')" } },
  ],
});

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; type: string | null }> {
  const response = await fetch(url, { headers });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
}

/** The value of one sample line, e.g. `agentic_flow_executions_started_total{workflow="observed"}`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('metrics and probes of a real coordinator and real workers', () => {
  let cluster: Cluster;
  let api: DataServer;
  const workerPort = (i: number): number => (cluster.workers[i] as unknown as { readyLine: { healthPort: number } }).readyLine.healthPort;

  beforeAll(async () => {
    api = await startDataServer();
    cluster = await startCluster([['http'], ['script']], { worker: { HEALTH_PORT: '0' } });
    await cluster.client.createWorkflow(workflow(api.url) as never);
    const executionId = await cluster.client.executeWorkflow('observed', {});
    const done = await cluster.client.waitForCompletion(executionId, { timeoutMs: 60_000 });
    expect(done.status).toBe('failed');
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close()]);
  });

  it('coordinator /healthz is live and /readyz checks PostgreSQL, migrations and Redis', async () => {
    expect(await get(`${cluster.coordinator.url}/healthz`)).toMatchObject({ status: 200 });
    const ready = await get(`${cluster.coordinator.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toEqual({ status: 'ready', postgres: 'ok', migrations: 'ok', redis: 'ok' });
  });

  it('coordinator /metrics counts executions, results and reads queues, stream, breakers and DLQ at scrape time', async () => {
    const { status, text, type } = await get(`${cluster.coordinator.url}/metrics`);
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    expect(sample(text, 'agentic_flow_executions_started_total', { workflow: 'observed' })).toBe(1);
    expect(sample(text, 'agentic_flow_executions_finished_total', { workflow: 'observed', status: 'failed' })).toBe(1);
    expect(sample(text, 'agentic_flow_results_applied_total', {})).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'agentic_flow_results_per_transaction_count', {})).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'agentic_flow_queue_jobs', { queue: 'step-script', state: 'failed' })).toBe(1);
    expect(sample(text, 'agentic_flow_queue_jobs', { queue: 'step-http', state: 'waiting' })).toBe(0);
    expect(sample(text, 'agentic_flow_dead_letter_size', { source: 'step-jobs' })).toBe(1);
    expect(sample(text, 'agentic_flow_result_stream_pending', {})).toBe(0);
    expect(sample(text, 'agentic_flow_result_stream_lag', {})).toBe(0);
    expect(sample(text, 'agentic_flow_step_signals_pending', {})).toBe(0);
    expect(sample(text, 'agentic_flow_circuit_breakers', { state: 'open' })).toBe(0);
    expect(sample(text, 'agentic_flow_sandbox_processes', { pool: 'expressions', state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'process_cpu_seconds_total', {})).toBeGreaterThan(0);
    // No execution or step-run id is ever a label.
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
  });

  it('workers serve /healthz, /readyz and /metrics on HEALTH_PORT with step histograms', async () => {
    const [http, script] = [workerPort(0), workerPort(1)];
    expect(await get(`http://127.0.0.1:${http}/healthz`)).toMatchObject({ status: 200 });
    const ready = await get(`http://127.0.0.1:${script}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toEqual({ status: 'ready', redis: 'ok', consumers: 'ok' });
    expect((await get(`http://127.0.0.1:${http}/nope`)).status).toBe(404);

    const httpText = (await get(`http://127.0.0.1:${http}/metrics`)).text;
    expect(sample(httpText, 'agentic_flow_steps_total', { step_type: 'http', outcome: 'succeeded' })).toBe(1);
    expect(sample(httpText, 'agentic_flow_step_duration_seconds_count', { step_type: 'http', outcome: 'succeeded' })).toBe(1);
    expect(sample(httpText, 'agentic_flow_step_queue_wait_seconds_count', { step_type: 'http', outcome: 'succeeded' })).toBe(1);
    const scriptText = (await get(`http://127.0.0.1:${script}/metrics`)).text;
    expect(sample(scriptText, 'agentic_flow_steps_total', { step_type: 'script', outcome: 'succeeded' })).toBe(1);
    expect(sample(scriptText, 'agentic_flow_steps_total', { step_type: 'script', outcome: 'failed' })).toBe(1);
    expect(sample(scriptText, 'agentic_flow_sandbox_processes', { pool: 'scripts', state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(sample(scriptText, 'agentic_flow_sandbox_processes_spawned_total', { pool: 'scripts' })).toBeGreaterThanOrEqual(1);
    expect(scriptText).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
  });

  it('every metric the alerting rules and the Grafana dashboard use appears in a real scrape', async () => {
    const scraped = new Set<string>();
    for (const url of [`${cluster.coordinator.url}/metrics`, `http://127.0.0.1:${workerPort(0)}/metrics`, `http://127.0.0.1:${workerPort(1)}/metrics`]) {
      for (const name of scrapedNames((await get(url)).text)) scraped.add(name);
    }
    // The agent counters appear once an agent step ran; no agent worker runs here: their families are declared all the same.
    const missing: string[] = [];
    const expressions = infraExpressions();
    expect(expressions.length).toBeGreaterThan(15);
    for (const { where, expr } of expressions) {
      for (const name of promqlMetricNames(expr)) {
        if (!scraped.has(name) && !PROMETHEUS_SERIES.has(name)) missing.push(`${where}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('with METRICS_TOKEN, /metrics answers only its bearer token; the probes stay public', async () => {
    const redis = await testRedis();
    let guarded: CoordinatorProcess | undefined;
    try {
      guarded = await startCoordinator(
        { databaseUrl: cluster.databaseUrl, redisUrl: cluster.redisUrl, prefix: redis.prefix },
        { name: 'guarded', env: { METRICS_TOKEN: 'metrics-token-0123456789' } },
      );
      expect((await get(`${guarded.url}/metrics`)).status).toBe(401);
      expect((await get(`${guarded.url}/metrics`, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
      expect((await get(`${guarded.url}/metrics`, { authorization: 'Bearer metrics-token-0123456789' })).status).toBe(200);
      expect((await get(`${guarded.url}/readyz`)).status).toBe(200);
    } finally {
      await guarded?.stop(5_000);
      await redis.cleanup();
    }
  });
});
