import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * Redis loses everything (here: every key of this cluster, as FLUSHALL would) while workers are in
 * the middle of slow calls. The jobs, their locks and the results stream are gone, but the workers
 * are alive and will report. A reconciler that took "no job, no result" for lost ran every such
 * step a second time beside the first (found by `pnpm soak`); with working markers and a second
 * look it waits for them. The calls outlast the confirmation time, so only the markers can tell.
 */
const STEP_MS = 9_000;
const RUNS = 4;

describe('a flush while steps are in flight', () => {
  let cluster: Cluster;
  let target: DataServer;
  const calls = new Map<string, number>();

  beforeAll(async () => {
    target = await startDataServer((req, res) => {
      const match = /^\/slow\?k=(\w+)$/.exec(req.url ?? '');
      if (!match) return false;
      calls.set(match[1]!, (calls.get(match[1]!) ?? 0) + 1);
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"done":true}'), STEP_MS);
      return true;
    });
    cluster = await startCluster([['http']], { coordinator: { RECONCILE_GRACE_MS: '200', MAINTENANCE_INTERVAL_MS: '100', RESULT_CLAIM_IDLE_MS: '1000' } });
    await cluster.client.createWorkflow({
      id: 'slow-call',
      name: 'slow call',
      version: '1',
      steps: [{ id: 'call', type: 'http', config: { url: '{{ variables.api }}/slow?k={{ variables.k }}', timeout: 30_000 } }],
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    await target?.close();
  });

  it('calls each step once: the workers that still run them finish and report', async () => {
    const ids = await Promise.all(Array.from({ length: RUNS }, (_, i) => cluster.client.executeWorkflow('slow-call', { api: target.url, k: `k${i}` })));
    while (calls.size < RUNS) await new Promise((resolve) => setTimeout(resolve, 20));
    const redis = new Redis(cluster.redisUrl);
    try {
      let flushed = 0;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${cluster.prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) flushed += await redis.unlink(...keys);
      } while (cursor !== '0');
      expect(flushed).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
    const executions = await Promise.all(ids.map((id) => cluster.client.waitForCompletion(id, { timeoutMs: 60_000 })));
    expect(executions.map((e) => e.status)).toEqual(Array(RUNS).fill('completed'));
    expect([...calls.values()]).toEqual(Array(RUNS).fill(1));
  });
});
