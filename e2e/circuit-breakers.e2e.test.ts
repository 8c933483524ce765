import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionView, WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { rejection } from './rejection.js';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * Two http workers, one job at a time each, sharing breakers through Redis: threshold 3, open for
 * 1.5 s, one trial call when half-open. The target answers 503 while `down`.
 */
const TIMEOUT_MS = 1500;
let down = true;
let calls = 0;

const call = (id: string, onError?: WorkflowDefinitionInput['steps'][number]['onError']): WorkflowDefinitionInput => ({
  id,
  name: id,
  version: '1',
  steps: [{ id: 'call', type: 'http', config: { url: '{{ variables.api }}/flaky', timeout: 5000 }, ...(onError ? { onError } : {}) }],
});

describe('circuit breakers shared by two worker processes', () => {
  let cluster: Cluster;
  let target: DataServer;
  let breakerKey: string;
  const run = async (workflowId: string): Promise<ExecutionView> => {
    const id = await cluster.client.executeWorkflow(workflowId, { api: target.url });
    return cluster.client.waitForCompletion(id, { timeoutMs: 20_000 });
  };
  const breaker = async () => (await cluster.client.errorHandler.getCircuitBreakers()).items.find((b) => b.key === breakerKey);

  beforeAll(async () => {
    [cluster, target] = await Promise.all([
      startCluster([['http'], ['http']], {
        worker: { WORKER_CONCURRENCY: '1', CIRCUIT_FAILURE_THRESHOLD: '3', CIRCUIT_OPEN_TIMEOUT_MS: String(TIMEOUT_MS), CIRCUIT_HALF_OPEN_MAX_ATTEMPTS: '1' },
      }),
      startDataServer((req, res) => {
        if (!req.url?.startsWith('/flaky')) return false;
        calls++;
        // Slow enough that both workers hold a call at once.
        setTimeout(() => {
          res.writeHead(down ? 503 : 200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ down }));
        }, 150);
        return true;
      }),
    ]);
    breakerKey = `http:127.0.0.1:${new URL(target.url).port}`;
    await cluster.client.createWorkflow(call('plain'));
    await cluster.client.createWorkflow(call('skippable', { type: 'skip' }));
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), target?.close()]);
  });

  it('opens after failureThreshold failures from both workers, then fails steps at once with CIRCUIT_OPEN', async () => {
    const executions = await Promise.all(Array.from({ length: 8 }, () => run('plain')));
    const steps = executions.map((e) => e.steps[0]!);
    expect(executions.every((e) => e.status === 'failed')).toBe(true);
    const reached = steps.filter((s) => s.error?.code === 'HTTP_STATUS');
    const rejected = steps.filter((s) => s.error?.code === 'CIRCUIT_OPEN');
    // 3 failures open it; a call already admitted by the other worker may still go out.
    expect(reached.length).toBeGreaterThanOrEqual(3);
    expect(reached.length).toBeLessThanOrEqual(4);
    expect(calls).toBe(reached.length);
    expect(rejected.length).toBe(8 - reached.length);
    // The failures that opened it were counted across both processes.
    expect(new Set(reached.map((s) => s.workerId)).size).toBe(2);
    expect(rejected[0]!.error).toMatchObject({ code: 'CIRCUIT_OPEN', details: { breaker: breakerKey } });
    expect(await breaker()).toMatchObject({ key: breakerKey, state: 'open', failures: reached.length });
  });

  it('lets the step strategy handle CIRCUIT_OPEN: skip completes the execution without calling the target', async () => {
    const before = calls;
    const execution = await run('skippable');
    expect(execution.status).toBe('completed');
    expect(execution.steps[0]).toMatchObject({ status: 'skipped', error: { code: 'CIRCUIT_OPEN' } });
    expect(calls).toBe(before);
    const stats = await cluster.client.errorHandler.getErrorStatistics();
    expect(stats.byCode['CIRCUIT_OPEN']).toBeGreaterThanOrEqual(5);
    expect(stats.byStrategy['skip']).toBe(1);
  });

  it('half-opens after its timeout: a successful trial closes it', async () => {
    down = false;
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS + 200));
    const before = calls;
    expect((await run('plain')).status).toBe('completed');
    expect(calls).toBe(before + 1);
    expect(await breaker()).toMatchObject({ state: 'closed', failures: 0 });
    expect((await run('plain')).status).toBe('completed');
  });

  it('a failed trial opens it again at once', async () => {
    down = true;
    for (let i = 0; i < 3; i++) expect((await run('plain')).steps[0]!.error?.code).toBe('HTTP_STATUS');
    expect(await breaker()).toMatchObject({ state: 'open' });
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS + 200));
    expect((await run('plain')).steps[0]!.error?.code).toBe('HTTP_STATUS'); // the trial call
    const before = calls;
    expect((await run('plain')).steps[0]!.error?.code).toBe('CIRCUIT_OPEN');
    expect(calls).toBe(before);
    await cluster.client.errorHandler.resetCircuitBreaker(breakerKey);
    expect(await breaker()).toBeUndefined();
  });

  it('shares the settings through the API, and refuses bad ones changing nothing', async () => {
    const initial = await cluster.client.errorHandler.getCircuitBreakers();
    expect(initial).toMatchObject({ config: { failureThreshold: 5, timeout: 30_000, halfOpenMaxAttempts: 3 }, shared: {} });
    expect(await rejection(cluster.client.errorHandler.setCircuitBreakerConfig({ failureThreshold: 0 }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      problems: [{ path: '$.body.failureThreshold', message: expect.stringContaining('>=1') }],
    });
    expect(await rejection(cluster.client.errorHandler.setCircuitBreakerConfig({}))).toMatchObject({ status: 400 });
    expect((await cluster.client.errorHandler.getCircuitBreakers()).config).toEqual(initial.config);
    expect(await cluster.client.errorHandler.setCircuitBreakerConfig({ failureThreshold: 3, timeout: TIMEOUT_MS, halfOpenMaxAttempts: 1 })).toEqual({
      failureThreshold: 3,
      timeout: TIMEOUT_MS,
      halfOpenMaxAttempts: 1,
    });
    expect((await cluster.client.errorHandler.getCircuitBreakers()).shared).toEqual({ failureThreshold: 3, timeout: TIMEOUT_MS, halfOpenMaxAttempts: 1 });
    expect((await cluster.client.errorHandler.setCircuitBreakerConfig({ failureThreshold: null })).failureThreshold).toBe(5);
    expect((await cluster.client.errorHandler.getCircuitBreakers()).shared).toEqual({ timeout: TIMEOUT_MS, halfOpenMaxAttempts: 1 });
  });
});
