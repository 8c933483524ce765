import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';

/**
 * Two coordinators take results from one stream, so consecutive results of one execution often go
 * to different coordinators: each one's cached state goes stale and its one-statement transition
 * must fall back to the locking path — never apply twice, never lose a step.
 */
describe('two coordinators applying results of the same executions', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster([['script'], ['script']], {}, { coordinators: 2 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('completes every execution with every step applied exactly once', async () => {
    const steps = Array.from({ length: 10 }, (_, i) => ({
      id: `s${i}`,
      type: 'script' as const,
      config: { script: i === 0 ? 'return 1;' : `return results["s${i - 1}"] + 1;` },
      next: i < 9 ? [`s${i + 1}`] : [],
    }));
    await cluster.client.createWorkflow({ id: 'counted', name: 'Counted', version: '1', steps });
    const ids = await Promise.all(Array.from({ length: 40 }, () => cluster.client.executeWorkflow('counted')));
    const executions = await Promise.all(ids.map((id) => cluster.client.waitForCompletion(id, { timeoutMs: 120_000 })));
    for (const execution of executions) {
      expect(execution.status).toBe('completed');
      expect(execution.results['s9']).toBe(10);
      expect(execution.steps.map((s) => s.output)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
    const db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ runs: string; versions: string }>(
        `select (select count(*) from step_runs) as runs, (select sum(version) from workflow_executions where workflow_id = 'counted') as versions`,
      );
      expect(Number(rows[0]!.runs)).toBe(400);
      // One version per applied result, and nothing more: no transition was written twice.
      expect(Number(rows[0]!.versions)).toBe(400);
    } finally {
      await db.end();
    }
  });
});
