import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeyOf } from '@agentic-flow/executors';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * A worker killed in the middle of an http call: another worker runs the step again (at least
 * once), and the target sees the same Idempotency-Key both times, so one that honours it applies
 * the side effect once.
 */
describe('Idempotency-Key across a worker killed mid-call', () => {
  let cluster: Cluster;
  let target: DataServer;
  const keys: (string | undefined)[] = [];
  const fast = { LOCK_DURATION_MS: '1500', STALLED_INTERVAL_MS: '1000' };

  beforeAll(async () => {
    target = await startDataServer((req, res) => {
      if (!req.url?.startsWith('/charge')) return false;
      keys.push(req.headers['idempotency-key'] as string | undefined);
      // The first call never answers: its worker is killed while it waits.
      if (keys.length > 1) res.writeHead(200, { 'content-type': 'application/json' }).end('{"charged":true}');
      return true;
    });
    cluster = await startCluster([['http']], { worker: fast });
    await cluster.client.createWorkflow({
      id: 'charge',
      name: 'charge',
      version: '1',
      steps: [{ id: 'charge', type: 'http', config: { method: 'POST', url: '{{ variables.api }}/charge', body: { amount: 42 }, timeout: 60_000 } }],
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    await target?.close();
  });

  it('sends the same key from the worker that died and from the one that finished the step', async () => {
    const executionId = await cluster.client.executeWorkflow('charge', { api: target.url });
    while (keys.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    cluster.workers[0]!.kill();
    await cluster.addWorker(['http'], fast);
    const execution = await cluster.client.waitForCompletion(executionId, { timeoutMs: 30_000 });
    expect(execution.status).toBe('completed');
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(idempotencyKeyOf({ executionId, instanceKey: 'charge', attempt: 1 }));
    expect(keys[1]).toBe(keys[0]);
  });
});
