import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgenticFlowClient } from '@agentic-flow/sdk';
import { TEST_ADMIN_KEY } from '@agentic-flow/testing';
import { startCluster, type Cluster } from './cluster.js';
import { startFailoverProxy, type FailoverProxy } from './failover-proxy.js';

/**
 * Starts are idempotent (issue 15): an `Idempotency-Key` names one start for 24 hours, so a client
 * that lost the answer and asks again gets the same execution — here across a coordinator SIGKILLed
 * after it committed the start and before its answer arrived, with the SDK's own retry.
 */
describe('idempotent execution starts', () => {
  let cluster: Cluster;
  let proxy: FailoverProxy;
  const workflow = { id: 'once', name: 'Once', version: '1', steps: [{ id: 'only', type: 'script' as const, config: { script: 'return variables.n * 2;' } }] };

  beforeAll(async () => {
    cluster = await startCluster([['script']], {}, { coordinators: 2 });
    await cluster.client.createWorkflow(workflow);
    proxy = await startFailoverProxy(cluster.coordinators[0]!.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await cluster?.stop();
  });

  /** The client of the live coordinator (the first may be dead by then). */
  const live = () => new AgenticFlowClient({ baseUrl: cluster.coordinators[1]!.url, apiKey: TEST_ADMIN_KEY });
  const executionsOf = async (workflowId: string) => (await live().listExecutions({ workflowId, limit: 500 })).items;
  const start = (key: string | undefined, body: unknown, namespace?: string) =>
    fetch(`${cluster.coordinators[1]!.url}/v1/workflows/once/executions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_ADMIN_KEY}`,
        'content-type': 'application/json',
        ...(key === undefined ? {} : { 'idempotency-key': key }),
        ...(namespace ? { 'af-namespace': namespace } : {}),
      },
      body: JSON.stringify(body),
    });

  it('the same key and request answers the first execution (200, Idempotent-Replayed) and starts nothing', async () => {
    const first = await start('key-same', { variables: { n: 1, m: [1, 2] } });
    expect(first.status).toBe(201);
    const { executionId } = (await first.json()) as { executionId: string };
    // Key order of the body is not part of the request's identity.
    const again = await start('key-same', { variables: { m: [1, 2], n: 1 } });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(`/v1/executions/${executionId}`);
    expect(((await again.json()) as { executionId: string }).executionId).toBe(executionId);
    expect((await executionsOf('once')).filter((e) => e.id === executionId)).toHaveLength(1);
  });

  it('the same key with another request is a 409 IDEMPOTENCY_CONFLICT, and starts nothing', async () => {
    await start('key-conflict', { variables: { n: 1 } });
    const before = (await executionsOf('once')).length;
    const conflict = await start('key-conflict', { variables: { n: 2 } });
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_CONFLICT');
    expect((await executionsOf('once')).length).toBe(before);
  });

  it('a key over 200 characters, empty or not ASCII is a 400 naming the header, and starts nothing', async () => {
    const before = (await executionsOf('once')).length;
    for (const key of ['k'.repeat(201), ' ', 'clé']) {
      const refused = await start(key, { variables: { n: 1 } });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: { code: string; problems: { path: string }[] } }).error).toMatchObject({
        code: 'VALIDATION_FAILED',
        problems: [{ path: '$.headers.idempotency-key' }],
      });
    }
    expect((await start('k'.repeat(200), { variables: { n: 1 } })).status).toBe(201);
    expect((await executionsOf('once')).length).toBe(before + 1);
  });

  it('many starts with one key at once make one execution', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => start('key-race', { variables: { n: 3 } })));
    const ids = await Promise.all(answers.map(async (a) => ((await a.json()) as { executionId: string }).executionId));
    expect(new Set(ids).size).toBe(1);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
  });

  it('keys are per namespace', async () => {
    await live().access.createNamespace('other-ns');
    await new AgenticFlowClient({ baseUrl: cluster.coordinators[1]!.url, apiKey: TEST_ADMIN_KEY, namespace: 'other-ns' }).createWorkflow(workflow);
    const here = (await (await start('key-ns', { variables: { n: 1 } })).json()) as { executionId: string };
    const there = await start('key-ns', { variables: { n: 1 } }, 'other-ns');
    expect(there.status).toBe(201);
    expect(((await there.json()) as { executionId: string }).executionId).not.toBe(here.executionId);
  });

  it("the SDK's own retry across a coordinator SIGKILLed after committing a start starts exactly one execution", async () => {
    await live().createWorkflow({ ...workflow, id: 'once-killed' });
    const [doomed, survivor] = cluster.coordinators as [Cluster['coordinator'], Cluster['coordinator']];
    proxy.loseNextAnswer(
      (method, path) => method === 'POST' && path === '/v1/workflows/once-killed/executions',
      async () => {
        // The start committed on the first coordinator; it dies before its answer reaches the client.
        doomed.kill();
        await doomed.exited;
        proxy.upstream = survivor.url;
      },
    );
    const client = new AgenticFlowClient({ baseUrl: proxy.url, apiKey: TEST_ADMIN_KEY, retry: { attempts: 5, initialDelayMs: 100 } });
    const run = await client.start(workflowOf('once-killed'), { n: 21 });

    const [lost, retried] = proxy.exchanges.filter((e) => e.path === '/v1/workflows/once-killed/executions');
    expect(lost).toMatchObject({ upstream: new URL(doomed.url).origin, status: 201, lost: true });
    expect(JSON.parse(lost!.body)).toMatchObject({ executionId: run.id });
    expect(retried).toMatchObject({ upstream: new URL(survivor.url).origin, status: 200, lost: false });
    expect(retried!.headers['idempotent-replayed']).toBe('true');
    // One execution, and it runs to the end on the survivor.
    expect((await executionsOf('once-killed')).map((e) => e.id)).toEqual([run.id]);
    expect(await live().getHandle(run.id).result({ timeoutMs: 60_000 })).toEqual({ only: 42 });
  });
});

function workflowOf(id: string) {
  return { id, name: 'Once', version: '1', steps: [{ id: 'only', type: 'script', config: { script: 'return variables.n * 2;' } }] } as const;
}
