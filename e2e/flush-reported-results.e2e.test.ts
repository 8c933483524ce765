import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * Redis loses everything while results sit on the stream that no coordinator has read yet (here the
 * coordinator is frozen with SIGSTOP while the steps finish). Results and their reported-result
 * markers are gone; a reconciler would run every one of those steps again. Workers notice the loss
 * and send the results they reported lately again, so each step still runs once.
 */
const RUNS = 4;

async function deleteKeys(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url);
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

describe('a flush that erases reported results', () => {
  let cluster: Cluster;
  let target: DataServer;
  const calls = new Map<string, number>();
  let answered = 0;

  beforeAll(async () => {
    target = await startDataServer((req, res) => {
      const match = /^\/once\?k=(\w+)$/.exec(req.url ?? '');
      if (!match) return false;
      calls.set(match[1]!, (calls.get(match[1]!) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"done":true}', () => answered++);
      return true;
    });
    cluster = await startCluster([['http']], { coordinator: { RECONCILE_GRACE_MS: '200', MAINTENANCE_INTERVAL_MS: '100' } });
    await cluster.client.createWorkflow({
      id: 'once',
      name: 'once',
      version: '1',
      steps: [{ id: 'call', type: 'http', config: { url: '{{ variables.api }}/once?k={{ variables.k }}' } }],
    });
  });

  afterAll(async () => {
    process.kill(cluster.coordinator.pid, 'SIGCONT');
    await cluster?.stop();
    await target?.close();
  });

  it('runs each step once: the workers send their results again', async () => {
    // Queued with the coordinator running; it is frozen before any call comes back.
    target.requests.length = 0;
    const ids = await Promise.all(Array.from({ length: RUNS }, (_, i) => cluster.client.executeWorkflow('once', { api: target.url, k: `k${i}` })));
    process.kill(cluster.coordinator.pid, 'SIGSTOP');
    try {
      const deadline = Date.now() + 10_000;
      while (answered < RUNS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(answered).toBe(RUNS);
      // Let the worker put the results on the stream, then lose them.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await deleteKeys(cluster.redisUrl, cluster.prefix)).toBeGreaterThan(0);
    } finally {
      process.kill(cluster.coordinator.pid, 'SIGCONT');
    }
    const executions = await Promise.all(ids.map((id) => cluster.client.waitForCompletion(id, { timeoutMs: 30_000 })));
    expect(executions.map((e) => e.status)).toEqual(Array(RUNS).fill('completed'));
    // Past the reconciler's second look: anything it would run again has run by now.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    expect([...calls.values()]).toEqual(Array(RUNS).fill(1));
  });
});
