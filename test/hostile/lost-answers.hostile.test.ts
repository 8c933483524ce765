import { AgenticFlowClient } from '@agentic-flow/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostileCluster, type HostileCluster } from './hostile-cluster.js';

/**
 * A coordinator that dies while evaluating an expression in the background loses its answer; the
 * leader's reconciler finds the condition still waiting in an execution nothing has touched for
 * RECONCILE_GRACE_MS and asks again.
 */
describe('an expression whose coordinator died is asked again', () => {
  let hostile: HostileCluster;
  beforeAll(async () => {
    hostile = await startHostileCluster(
      [['script']],
      // Every expression is answered in the background (no inline budget), and the reconciler looks often.
      { coordinator: { EXPRESSION_INLINE_BUDGET_MS: '0', EXPRESSION_TIMEOUT_MS: '5000', RECONCILE_GRACE_MS: '1000', MAINTENANCE_INTERVAL_MS: '200' } },
      { coordinators: 2 },
    );
  });
  afterAll(async () => {
    await hostile?.stop();
  });

  it('completes the execution on the surviving coordinator', async () => {
    const slow = '(() => { const end = Date.now() + 1500; while (Date.now() < end) {} return variables.go === true; })()';
    const id = await hostile.start(
      {
        id: 'lost-answer',
        name: 'lost answer',
        version: '1',
        steps: [
          { id: 'check', type: 'condition', config: { condition: slow, trueStep: 'after' } },
          { id: 'after', type: 'script', config: { script: 'return "answered";' } },
        ],
      },
      { go: true },
    );
    // The first coordinator started the execution, so its background evaluates the condition: kill it mid-way.
    await new Promise((resolve) => setTimeout(resolve, 300));
    hostile.cluster.coordinator.kill();
    const survivor = new AgenticFlowClient({ baseUrl: hostile.cluster.coordinators[1]!.url, apiKey: hostile.cluster.coordinators[1]!.adminKey });
    const done = await survivor.waitForCompletion(id, { timeoutMs: 60_000, pollIntervalMs: 100 });
    expect(done.status).toBe('completed');
    expect(done.results['after']).toBe('answered');
    expect(done.steps.find((s) => s.stepId === 'check')).toMatchObject({ status: 'succeeded', output: true });
  });
});
