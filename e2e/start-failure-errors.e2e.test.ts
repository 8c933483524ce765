import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';

/** A first step that fails in the coordinator itself: its condition cannot be evaluated. */
const failsAtStart = (id: string) => ({
  id,
  name: 'Fails at its start',
  version: '1',
  steps: [
    { id: 'check', type: 'condition' as const, config: { condition: 'variables.missing.deeper > 1', trueStep: 'after' } },
    { id: 'after', type: 'script' as const, config: { script: 'return 1' } },
  ],
});

/**
 * A step failure is recorded as an error wherever the transaction that fails it runs: here the
 * execution's very first one (its start, or its admission from the queue of waiting executions),
 * which once wrote the failed state without the `errors` row.
 */
describe('an execution that fails in its first transaction records its error', () => {
  let direct: Cluster;
  let admitted: Cluster;

  beforeAll(async () => {
    [direct, admitted] = await Promise.all([
      startCluster([['script']]),
      startCluster([['script']], { coordinator: { MAX_CONCURRENT_WORKFLOWS: '1', MAINTENANCE_INTERVAL_MS: '300' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([direct?.stop(), admitted?.stop()]);
  });

  for (const [path, cluster] of [
    ['started at once', () => direct],
    ['admitted from the waiting queue', () => admitted],
  ] as const) {
    it(`${path}: one error row naming the step and its code`, async () => {
      const { client } = cluster();
      await client.createWorkflow(failsAtStart('fails-at-start'));
      const run = await client.start('fails-at-start', {});
      await expect(run.result({ timeoutMs: 30_000 })).rejects.toMatchObject({ status: 'failed', error: { code: 'EXPRESSION_ERROR', stepId: 'check' } });
      const errors = await client.errorHandler.listErrors({ executionId: run.id });
      expect(errors.items).toHaveLength(1);
      expect(errors.items[0]).toMatchObject({ executionId: run.id, stepId: 'check', stepType: 'condition', code: 'EXPRESSION_ERROR', status: 'closed' });
    });
  }
});
