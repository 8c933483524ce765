import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { startCluster, type Cluster } from './cluster.js';

// A cluster of its own: a slice this small would slow other files' parallels down.
const SLICE = 3;

const fanOut = (id: string, branches: number, branch: (root: string) => WorkflowDefinitionInput['steps'][number]): WorkflowDefinitionInput => {
  const roots = Array.from({ length: branches }, (_, i) => `b${i}`);
  return { id, name: id, version: '1', steps: [{ id: 'fan', type: 'parallel', config: { steps: roots } }, ...roots.map(branch)] };
};

describe(`BRANCH_STARTS_PER_TRANSITION=${SLICE} on a real cluster`, () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster([['script']], { coordinator: { BRANCH_STARTS_PER_TRANSITION: String(SLICE) } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs a parallel of 40 branches to completion, slice by slice, each branch once', async () => {
    await cluster.client.createWorkflow(fanOut('sliced', 40, (root) => ({ id: root, type: 'script', config: { script: `return "${root}";` } })));
    const id = await cluster.client.executeWorkflow('sliced', {});
    const execution = await cluster.client.waitForCompletion(id, { timeoutMs: 60_000 });
    expect(execution.status).toBe('completed');
    const branches = execution.steps.filter((s) => s.stepId !== 'fan');
    expect(branches).toHaveLength(40);
    expect(branches.every((s) => s.status === 'succeeded' && s.attempt === 1)).toBe(true);
    expect(Object.keys(execution.results['fan'] as object)).toHaveLength(40);
  });

  it('starts every branch even when none of the first slice ends: the launch signal brings the next slice', async () => {
    // Each branch waits an hour: no branch result will come to start the next ones.
    await cluster.client.createWorkflow(fanOut('sliced-waits', 12, (root) => ({ id: root, type: 'wait', config: { duration: '1h' } })));
    const id = await cluster.client.executeWorkflow('sliced-waits', {});
    const deadline = Date.now() + 20_000;
    let waiting = 0;
    while (Date.now() < deadline) {
      const execution = await cluster.client.getExecution(id);
      waiting = execution.steps.filter((s) => s.stepId !== 'fan' && s.status === 'running').length;
      if (waiting === 12) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(waiting).toBe(12);
    await cluster.client.cancelExecution(id);
    expect((await cluster.client.waitForCompletion(id, { timeoutMs: 20_000 })).status).toBe('cancelled');
  });
});
