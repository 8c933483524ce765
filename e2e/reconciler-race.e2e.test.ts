import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * BullMQ removes a job as soon as its worker completes it — before a coordinator has applied the
 * result. A reconciler that took "no job" for "lost" re-ran steps that had just finished. Here the
 * window is held open on purpose: the test locks the executions' rows while their slow http steps
 * finish, so their results cannot be applied, and the reconciler (grace 200 ms, every 100 ms) looks
 * at runs without jobs again and again meanwhile. No fault is injected: every step must be called once.
 */
const STEP_MS = 1200;
const RUNS = 3;

describe('the reconciler never re-runs a step whose result is on its way', () => {
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
    cluster = await startCluster([['http']], { coordinator: { RECONCILE_GRACE_MS: '200', MAINTENANCE_INTERVAL_MS: '100' } });
    await cluster.client.createWorkflow({
      id: 'slow-call',
      name: 'slow call',
      version: '1',
      steps: [{ id: 'call', type: 'http', config: { url: '{{ variables.api }}/slow?k={{ variables.k }}', timeout: 10_000 } }],
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    await target?.close();
  });

  it('calls each slow step once while its result waits to be applied', async () => {
    const ids = await Promise.all(Array.from({ length: RUNS }, (_, i) => cluster.client.executeWorkflow('slow-call', { api: target.url, k: `k${i}` })));
    while (calls.size < RUNS) await new Promise((resolve) => setTimeout(resolve, 20));
    const db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      await db.query('begin');
      await db.query('select id from workflow_executions where id = any($1::uuid[]) for update', [ids]);
      // The steps finish and their jobs are removed; their results wait behind the lock for a while.
      await new Promise((resolve) => setTimeout(resolve, STEP_MS + 2000));
      await db.query('commit');
    } finally {
      await db.end();
    }
    const executions = await Promise.all(ids.map((id) => cluster.client.waitForCompletion(id, { timeoutMs: 20_000 })));
    expect(executions.map((e) => e.status)).toEqual(Array(RUNS).fill('completed'));
    expect([...calls.values()]).toEqual(Array(RUNS).fill(1));
  });
});
