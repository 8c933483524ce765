import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer } from '../src/health-server.js';
import { WorkerMetrics } from '../src/metrics/worker-metrics.js';

let server: { port: number; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the worker health server (HEALTH_PORT)', () => {
  it('serves liveness, readiness from its checks, and the metrics registry', async () => {
    const metrics = new WorkerMetrics();
    let ready = true;
    server = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      ready: async () => ({ ok: ready, checks: { redis: ready ? 'ok' : 'connection refused' } }),
    });
    const url = `http://127.0.0.1:${server.port}`;

    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    ready = false;
    const unready = await fetch(`${url}/readyz`);
    expect(unready.status).toBe(503);
    expect(await unready.json()).toEqual({ status: 'unavailable', redis: 'connection refused' });
    expect((await fetch(`${url}/other`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`, { method: 'POST' })).status).toBe(405);

    metrics.stepFinished('http', 'succeeded', 120, 30);
    metrics.stepFinished('agent-task', 'failed', 2_000, undefined, {
      provider: 'openai',
      model: 'm',
      usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.25 },
      transcript: [],
    });
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    // One sample line with all of `labels` (in any order), and its value.
    const value = (name: string, labels: string[]): number | undefined => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.every((label) => l.includes(label)));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    expect(value('agentic_flow_steps_total', ['step_type="http"', 'outcome="succeeded"', 'service="worker"'])).toBe(1);
    expect(value('agentic_flow_step_queue_wait_seconds_count', ['step_type="http"', 'outcome="succeeded"'])).toBe(1);
    expect(value('agentic_flow_step_duration_seconds_sum', ['step_type="http"'])).toBeCloseTo(0.12);
    // An attempt without a known wait (a retry) is not a queue-wait sample.
    expect(value('agentic_flow_step_queue_wait_seconds_count', ['step_type="agent-task"'])).toBeUndefined();
    expect(value('agentic_flow_agent_tokens_total', ['provider="openai"', 'model="m"', 'direction="input"'])).toBe(10);
    expect(value('agentic_flow_agent_cost_usd_total', ['provider="openai"', 'model="m"'])).toBe(0.25);
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('fails to start on a port already taken', async () => {
    server = await startHealthServer({ host: '127.0.0.1', port: 0, registry: new WorkerMetrics().registry, ready: async () => ({ ok: true, checks: {} }) });
    await expect(
      startHealthServer({ host: '127.0.0.1', port: server.port, registry: new WorkerMetrics().registry, ready: async () => ({ ok: true, checks: {} }) }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
