import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { createDatabase, waitingWorkflowRuns, type DatabaseHandle } from '@agentic-flow/store';
import { startCluster, type Cluster } from './cluster.js';

// A cluster of its own: the small cap below would get in the way of workflow-step.e2e.test.ts.
const CAP = 20;
const BRANCHES = 4;

const wf = (id: string, steps: WorkflowDefinitionInput['steps']): WorkflowDefinitionInput => ({ id, name: id, version: '1', steps });
const sub = (id: string, workflowId: string) => ({ id, type: 'workflow' as const, config: { workflowId } });

describe('MAX_DESCENDANT_EXECUTIONS on a real cluster: a self-recursive fan-out cannot multiply executions', () => {
  let cluster: Cluster;
  let db: pg.Client;
  let store: DatabaseHandle;
  const count = async (sql: string, params: unknown[] = []) => (await db.query<{ n: number }>(sql, params)).rows[0]!.n;

  beforeAll(async () => {
    // A short grace and a fast maintenance pass, so the child reconciler runs several times within the test.
    cluster = await startCluster([['script']], {
      coordinator: { MAX_DESCENDANT_EXECUTIONS: String(CAP), MAINTENANCE_INTERVAL_MS: '300', RECONCILE_GRACE_MS: '1000' },
    });
    db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    store = createDatabase(cluster.databaseUrl, { max: 1 });
  });
  afterAll(async () => {
    await db?.end();
    await store?.close();
    await cluster?.stop();
  });

  it(`stops a parallel of ${BRANCHES} workflow steps calling their own workflow at ${CAP} live descendants: TOO_MANY_DESCENDANTS, and everything settles`, async () => {
    // Unchecked, this is 4^10 executions at the depth limit; each level starts all its children at once.
    const branches = Array.from({ length: BRANCHES }, (_, i) => `again-${i}`);
    await cluster.client.createWorkflow(wf('bomb', [{ id: 'fan', type: 'parallel', config: { steps: branches } }, ...branches.map((b) => sub(b, 'bomb'))]));
    const id = await cluster.client.executeWorkflow('bomb', {});
    const live = `select count(*)::int as n from workflow_executions where root_execution_id = $1 and status in ('pending', 'running', 'paused')`;
    // The live descendants, sampled while the tree grows and collapses: the peak seen (a lower bound of the true one).
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await count(live, [id]));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const top = await cluster.client.waitForCompletion(id, { timeoutMs: 60_000 });
    expect(top.status).toBe('failed');

    // Every execution of the tree settles; none is left pending, running or paused.
    await expect.poll(() => count(live, [id]), { timeout: 30_000, interval: 250 }).toBe(0);
    sampling = false;
    await sampler;
    // The cap, overshot by at most the starts in flight when it was reached: here each the start loop
    // of a distinct live parent (one transaction of each starts its children), so under twice the cap.
    expect(peak).toBeGreaterThanOrEqual(CAP);
    expect(peak).toBeLessThanOrEqual(2 * CAP + 1);
    // The cap is on live executions, not on all a tree ever starts: a refused step fails its
    // execution, which frees places that starts still queued elsewhere in the tree take, until the
    // failure reaches the root (usually 30–40 in all here, now and then about 100; several hundred
    // before starts for runs that stopped waiting were skipped). Unchecked: 4^10.
    const descendants = await count('select count(*)::int as n from workflow_executions where root_execution_id = $1', [id]);
    expect(descendants).toBeLessThan(25 * CAP);
    expect(await count('select count(*)::int as n from workflow_executions where root_execution_id is null')).toBe(1);

    // The refusal is a step failure of its own, inside CHILD_FAILED, with no child behind it.
    const refused = await db.query<{
      error: { code: string; message: string; details: { childExecutionId: string | null; error: { code: string; message: string } } };
    }>(
      `select r.error from step_runs r join workflow_executions e on e.id = r.execution_id
        where (e.id = $1 or e.root_execution_id = $1) and r.step_type = 'workflow' and r.error->'details'->'error'->>'code' = 'TOO_MANY_DESCENDANTS'`,
      [id],
    );
    expect(refused.rows.length).toBeGreaterThan(0);
    expect(refused.rows[0]!.error).toMatchObject({
      code: 'CHILD_FAILED',
      message: expect.stringContaining('could not start: TOO_MANY_DESCENDANTS'),
      details: {
        childExecutionId: null,
        error: { code: 'TOO_MANY_DESCENDANTS', message: expect.stringMatching(/over the limit of 20 \(MAX_DESCENDANT_EXECUTIONS\); \d+ are/) },
      },
    });

    // Nothing keeps running: several reconciler passes later, no workflow step run waits, and no execution was added.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await waitingWorkflowRuns(store.db, 0, 1_000)).toEqual([]);
    expect(await count('select count(*)::int as n from workflow_executions')).toBe(descendants + 1);
    expect(await count(live, [id])).toBe(0);
    expect(await count(`select count(*)::int as n from workflow_executions where id = $1 and status = 'failed'`, [id])).toBe(1);
    expect((await fetch(`${cluster.coordinator.url}/healthz`)).status).toBe(200);

    // The cap is per tree: with the first one settled, a new client start may fan out again.
    const again = await cluster.client.executeWorkflow('bomb', {});
    expect((await cluster.client.waitForCompletion(again, { timeoutMs: 60_000 })).status).toBe('failed');
    expect(await count('select count(*)::int as n from workflow_executions where root_execution_id = $1', [again])).toBeGreaterThanOrEqual(CAP);
  });
});
