import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { startCluster, type Cluster } from './cluster.js';

// A cluster of its own: the small cap below would get in the way of other files' workflows.
const CAP = 50;

const fanOut = (id: string, branches: number): WorkflowDefinitionInput => {
  const roots = Array.from({ length: branches }, (_, i) => `b${i}`);
  return {
    id,
    name: id,
    version: '1',
    steps: [
      { id: 'fan', type: 'parallel', config: { steps: roots } },
      ...roots.map((root) => ({ id: root, type: 'script' as const, config: { script: 'return 1;' } })),
    ],
  };
};

describe('MAX_STEPS_PER_EXECUTION on a real cluster', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster([['script']], { coordinator: { MAX_STEPS_PER_EXECUTION: String(CAP) } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it(`fails a parallel of 80 branches with EXECUTION_TOO_LARGE at ${CAP} step instances, promptly`, async () => {
    await cluster.client.createWorkflow(fanOut('too-wide', 80));
    const started = Date.now();
    const id = await cluster.client.executeWorkflow('too-wide', {});
    const execution = await cluster.client.waitForCompletion(id, { timeoutMs: 30_000 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatchObject({ code: 'EXECUTION_TOO_LARGE', stepId: 'fan' });
    const fan = execution.steps.find((s) => s.stepId === 'fan')!;
    expect(fan).toMatchObject({ status: 'failed', error: { code: 'EXECUTION_TOO_LARGE', details: { nodes: CAP, limit: CAP } } });
    expect(fan.error!.message).toContain('MAX_STEPS_PER_EXECUTION');
    // The parallel's node and 49 branches: no branch past the cap ever became a step run.
    const branchRuns = execution.steps.filter((s) => s.stepId !== 'fan');
    expect(new Set(branchRuns.map((s) => s.stepId)).size).toBeLessThanOrEqual(CAP - 1);
    expect(branchRuns.some((s) => s.stepId === `b${CAP - 1}`)).toBe(false);
  });

  it('completes a parallel of 30 branches under the cap', async () => {
    await cluster.client.createWorkflow(fanOut('fits', 30));
    const id = await cluster.client.executeWorkflow('fits', {});
    const execution = await cluster.client.waitForCompletion(id, { timeoutMs: 30_000 });
    expect(execution.status).toBe('completed');
    expect(execution.steps.filter((s) => s.stepId !== 'fan' && s.status === 'succeeded')).toHaveLength(30);
  });
});
