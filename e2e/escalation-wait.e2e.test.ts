import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionEscalatedError, defineWorkflow, type Escalation } from '@agentic-flow/sdk';
import { startCluster, type Cluster } from './cluster.js';

const approval = defineWorkflow({
  id: 'approval',
  name: 'Approval',
  version: '1',
  steps: [
    {
      id: 'check',
      type: 'script',
      config: { script: 'throw new Error("needs a human")' },
      onError: { type: 'escalate', escalationHandler: 'ops' },
      next: ['after'],
    },
    { id: 'after', type: 'script', config: { script: 'return `after ${results.check}`;' } },
  ],
});

/**
 * An escalated step keeps its execution `running`: waiting for it must not be a silent wait until the
 * timeout (issue 15). Without `onEscalation` the wait ends at once; with it, the callback decides.
 */
describe('waiting on an execution that escalates', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster([['script']]);
    await cluster.client.createWorkflow(approval);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('result() without onEscalation ends at once with ExecutionEscalatedError naming the open error', async () => {
    const run = await cluster.client.start(approval);
    const started = Date.now();
    const error = await run.result({ timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(error).toBeInstanceOf(ExecutionEscalatedError);
    const [open] = (await cluster.client.errorHandler.listErrors({ executionId: run.id, status: 'open' })).items;
    expect(error).toMatchObject({
      code: 'EXECUTION_ESCALATED',
      executionId: run.id,
      escalations: [{ errorId: open!.id, stepId: 'check', escalationHandler: 'ops', error: { code: 'SCRIPT_ERROR' } }],
    });
    expect(await run.describe()).toMatchObject({ status: 'running', state: 'escalated' });
    await run.cancel();
  });

  it('with onEscalation, the callback resolves it and result() resolves with the results', async () => {
    const run = await cluster.client.start(approval);
    const seen: Escalation[] = [];
    const results = await run.result({
      timeoutMs: 60_000,
      onEscalation: async (escalation) => {
        seen.push(escalation);
        await cluster.client.errorHandler.resolveError(escalation.errorId, { action: 'output', output: 'approved' });
      },
    });
    expect(results).toEqual({ check: 'approved', after: 'after approved' });
    expect(seen.map((e) => e.stepId)).toEqual(['check']);
  });
});
