import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServer, type DataServer } from '../../e2e/data-server.js';
import { startHostileCluster, type HostileCluster } from './hostile-cluster.js';

/**
 * A job whose worker dies every time it runs it (here: killed while the step's call hangs) is
 * failed by BullMQ once it stalled WORKER_DEATH_LIMIT (here 3) times, and the coordinator's reconciler
 * fails its step with POISON instead of retrying it for ever; the job stays in the dead letter queue.
 */
describe('a job that kills every worker running it is quarantined', () => {
  let hostile: HostileCluster;
  let api: DataServer;
  let hanging = 0;
  beforeAll(async () => {
    [hostile, api] = await Promise.all([
      startHostileCluster([['script']], { coordinator: { RECONCILE_GRACE_MS: '1000', MAINTENANCE_INTERVAL_MS: '300' } }),
      startDataServer((req) => {
        if (req.url !== '/hang') return false;
        hanging += 1;
        // Never answered: the step is mid-call whenever its worker is killed.
        return true;
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([hostile?.stop(), api?.close()]);
  });

  it('fails its step with POISON after three dead workers, and the fourth worker lives', async () => {
    const workerEnv = { LOCK_DURATION_MS: '1000', STALLED_INTERVAL_MS: '1000', WORKER_DEATH_LIMIT: '3' };
    const id = await hostile.start(
      { id: 'killer', name: 'killer', version: '1', steps: [{ id: 'call', type: 'http', config: { url: '{{ variables.api }}/hang', timeout: 600_000 } }] },
      { api: api.url },
    );
    for (let death = 1; death <= 3; death++) {
      const worker = await hostile.cluster.addWorker(['http'], workerEnv);
      await expect.poll(() => hanging, { timeout: 30_000 }).toBe(death);
      worker.kill();
      await worker.exited;
    }
    // The next worker to take the job fails it without running it; the reconciler quarantines the run.
    const survivor = await hostile.cluster.addWorker(['http'], workerEnv);
    const execution = await hostile.cluster.client.waitForCompletion(id, { timeoutMs: 60_000, pollIntervalMs: 200 });
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatchObject({ code: 'POISON', stepId: 'call' });
    expect(hanging).toBe(3);
    const letters = await hostile.cluster.client.errorHandler.getDeadLetterQueue();
    expect(letters.items.map((l) => l.jobId)).toContain(execution.steps[0]!.id);
    expect(survivor.pid).toBeGreaterThan(0);
    await hostile.canary();
  });
});
