import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * A server whose /slow answers after `holdMs`: a step that is mid-flight when its worker is stopped.
 * Its /hang-once never answers the first call (that step stays mid-flight however long the test
 * takes to start another worker) and answers every later call at once.
 */
const holdMs = 1500;

describe('worker shutdown on SIGTERM', () => {
  let cluster: Cluster;
  let api: DataServer;
  let hangOnceCalls = 0;

  beforeAll(async () => {
    [cluster, api] = await Promise.all([
      // The stalled check is shared through Redis and paced by whichever worker ran it last, so every
      // worker here gets the short interval (in production all workers share their settings).
      startCluster([], { worker: { STALLED_INTERVAL_MS: '1000' } }),
      startDataServer((req, res) => {
        if (req.url === '/hang-once') {
          hangOnceCalls += 1;
          if (hangOnceCalls === 1) return true;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ slow: true }));
          return true;
        }
        if (req.url !== '/slow') return false;
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ slow: true }));
        }, holdMs);
        return true;
      }),
    ]);
    await cluster.client.createWorkflow({
      id: 'slow',
      name: 'Slow',
      version: '1',
      steps: [{ id: 'wait', type: 'http', config: { url: '{{ variables.url }}/slow' } }],
    });
    await cluster.client.createWorkflow({
      id: 'hang-once',
      name: 'Hang once',
      version: '1',
      steps: [{ id: 'wait', type: 'http', config: { url: '{{ variables.url }}/hang-once' } }],
    });
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close()]);
  });

  it('lets the running step finish, reports it, then exits 0', async () => {
    const worker = await cluster.addWorker(['http'], { WORKER_ID: 'graceful', SHUTDOWN_TIMEOUT_MS: '10000' });
    const executionId = await cluster.client.executeWorkflow('slow', { url: api.url });
    await expect.poll(() => api.requests.length, { timeout: 10_000 }).toBe(1);
    const started = Date.now();
    expect(await worker.stop(20_000)).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(500);
    const execution = await cluster.client.waitForCompletion(executionId, { timeoutMs: 10_000 });
    expect(execution.status).toBe('completed');
    expect(execution.steps[0]).toMatchObject({ workerId: 'graceful', output: { slow: true }, response: { status: 200 } });
  });

  it('past its shutdown timeout, hands the running step back to the queue for another worker', async () => {
    api.requests.length = 0;
    const leaving = await cluster.addWorker(['http'], { WORKER_ID: 'leaving', SHUTDOWN_TIMEOUT_MS: '100', LOCK_DURATION_MS: '2000' });
    // Its call hangs until the worker is gone: the step is mid-flight however slowly the taker starts.
    const executionId = await cluster.client.executeWorkflow('hang-once', { url: api.url });
    await expect.poll(() => api.requests.length, { timeout: 10_000 }).toBe(1);
    await cluster.addWorker(['http'], { WORKER_ID: 'taker' });
    expect(await leaving.stop(20_000)).toBe(0);
    const execution = await cluster.client.waitForCompletion(executionId, { timeoutMs: 30_000 });
    expect(execution.status).toBe('completed');
    expect(execution.steps).toHaveLength(1);
    expect(execution.steps[0]).toMatchObject({ workerId: 'taker', attempt: 1, status: 'succeeded' });
    expect(api.requests).toHaveLength(2);
  });
});
