import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionOverview, WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { rejection } from './rejection.js';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/** `/hold?ms=N&key=K` answers after N ms; `/fail?key=K` fails while `failing` holds K. Both count calls per key. */
const calls = new Map<string, number>();
const failing = new Set<string>();

const wf = (id: string, steps: WorkflowDefinitionInput['steps'], version = '1'): WorkflowDefinitionInput => ({ id, name: id, version, steps });
const sub = (id: string, workflowId: string, variables: Record<string, unknown> = {}, next: string[] = []) => ({
  id,
  type: 'workflow' as const,
  config: { workflowId, variables },
  next,
});
const code = (id: string, body: string, next: string[] = []) => ({ id, type: 'script' as const, config: { script: body }, next });
const hold = (id: string, ms: number, next: string[] = []) => ({
  id,
  type: 'http' as const,
  config: { url: `{{ variables.api }}/hold?ms=${ms}&key={{ execution.id }}-${id}` },
  next,
});

describe('workflow steps on a real cluster: child executions', () => {
  let cluster: Cluster;
  let api: DataServer;
  const get = (id: string) => cluster.client.getExecution(id) as Promise<ExecutionOverview>;
  const childOf = async (id: string) => (await get(id)).children[0];

  beforeAll(async () => {
    [cluster, api] = await Promise.all([
      // A short grace, so the child reconciler acts within the test (see the lost start below).
      startCluster([['http'], ['script']], { coordinator: { MAINTENANCE_INTERVAL_MS: '300', RECONCILE_GRACE_MS: '1000' } }),
      startDataServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        const key = url.searchParams.get('key') ?? '';
        calls.set(key, (calls.get(key) ?? 0) + 1);
        if (url.pathname === '/hold') {
          setTimeout(
            () => {
              res.writeHead(200, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ key }));
            },
            Number(url.searchParams.get('ms')),
          );
          return true;
        }
        if (url.pathname === '/fail') {
          res.writeHead(failing.has(key) ? 500 : 200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ key, ok: !failing.has(key) }));
          return true;
        }
        return false;
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close()]);
  });

  it('nests parent → child → grandchild: results flow up, and getExecution links both ways', async () => {
    await cluster.client.createWorkflow(wf('grandchild', [code('double', 'return variables.x * 2;')]));
    await cluster.client.createWorkflow(
      wf('child', [sub('g', 'grandchild', { x: '{{ variables.x }}' }, ['sum']), code('sum', 'return results.g.double + 1;')]),
    );
    await cluster.client.createWorkflow(wf('parent', [sub('c', 'child', { x: 5 }, ['top']), code('top', 'return results.c.sum;')]));
    const id = await cluster.client.executeWorkflow('parent', {});
    const done = await cluster.client.waitForCompletion(id, { timeoutMs: 30_000, outputs: true });
    expect(done.status).toBe('completed');
    expect(done.results).toEqual({ c: { g: { double: 10 }, sum: 11 }, top: 11 });
    expect(done.parentExecutionId).toBeNull();
    expect(done.children).toEqual([{ stepKey: 'c', executionId: expect.any(String), workflowId: 'child', status: 'completed' }]);
    const child = await get(done.children[0]!.executionId);
    expect(child.parentExecutionId).toBe(id);
    expect(child.children).toEqual([{ stepKey: 'g', executionId: expect.any(String), workflowId: 'grandchild', status: 'completed' }]);
    const grandchild = await get(child.children[0]!.executionId);
    expect(grandchild).toMatchObject({ parentExecutionId: child.id, children: [], status: 'completed' });
    expect(done.steps.find((s) => s.stepId === 'c')).toMatchObject({ stepType: 'workflow', status: 'succeeded', attempt: 1 });
  });

  it("fails with the child's error, and a resume from failure resumes the SAME child from its failure", async () => {
    await cluster.client.createWorkflow(
      wf('flaky', [
        code('first', 'return 1;', ['call']),
        { id: 'call', type: 'http', config: { url: '{{ variables.api }}/fail?key=flaky-{{ variables.tag }}' } },
      ]),
    );
    await cluster.client.createWorkflow(wf('uses-flaky', [sub('f', 'flaky', { api: '{{ variables.api }}', tag: '{{ variables.tag }}' })]));
    const tag = 'resume';
    failing.add(`flaky-${tag}`);
    const id = await cluster.client.executeWorkflow('uses-flaky', { api: api.url, tag });
    const failed = await cluster.client.waitForCompletion(id, { timeoutMs: 30_000 });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'CHILD_FAILED', stepId: 'f', message: expect.stringContaining('HTTP_STATUS') });
    const childId = failed.children[0]!.executionId;
    expect((await get(childId)).status).toBe('failed');

    failing.delete(`flaky-${tag}`);
    expect(await cluster.client.resumeWorkflow(id)).toEqual({ executionId: id, status: 'running' });
    const done = await cluster.client.waitForCompletion(id, { timeoutMs: 30_000, outputs: true });
    expect(done.status).toBe('completed');
    expect(done.children).toEqual([{ stepKey: 'f', executionId: childId, workflowId: 'flaky', status: 'completed' }]);
    expect(done.results).toEqual({ f: { first: 1, call: { key: `flaky-${tag}`, ok: true } } });
    // The child ran from its failure: its first step once, its failed step again under attempt 2.
    const child = await get(childId);
    expect(child.steps.filter((s) => s.stepId === 'first').map((s) => s.attempt)).toEqual([1]);
    expect(child.steps.filter((s) => s.stepId === 'call').map((s) => [s.attempt, s.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(done.steps.filter((s) => s.stepId === 'f').map((s) => [s.attempt, s.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
  });

  it('cancels the running child (and its own child) when the parent is cancelled', async () => {
    await cluster.client.createWorkflow(wf('slow-leaf', [hold('wait', 20_000)]));
    await cluster.client.createWorkflow(wf('slow-middle', [sub('leaf', 'slow-leaf', { api: '{{ variables.api }}' })]));
    await cluster.client.createWorkflow(wf('slow-top', [sub('middle', 'slow-middle', { api: '{{ variables.api }}' })]));
    const id = await cluster.client.executeWorkflow('slow-top', { api: api.url });
    await expect.poll(async () => (await childOf(id))?.status, { timeout: 15_000 }).toBe('running');
    const middle = (await childOf(id))!.executionId;
    await expect.poll(async () => (await childOf(middle))?.status, { timeout: 15_000 }).toBe('running');
    const leaf = (await childOf(middle))!.executionId;
    await expect.poll(() => calls.get(`${leaf}-wait`) ?? 0, { timeout: 15_000 }).toBe(1);

    expect(await cluster.client.cancelExecution(id)).toEqual({ executionId: id, status: 'cancelled' });
    await expect.poll(async () => (await get(middle)).status, { timeout: 15_000 }).toBe('cancelled');
    await expect.poll(async () => (await get(leaf)).status, { timeout: 15_000 }).toBe('cancelled');
    expect((await get(id)).steps.find((s) => s.stepId === 'middle')?.status).toBe('cancelled');
  });

  it('pauses and resumes the child with its parent', async () => {
    await cluster.client.createWorkflow(wf('two-holds', [hold('one', 1_500, ['two']), hold('two', 10)]));
    await cluster.client.createWorkflow(wf('pauses-child', [sub('h', 'two-holds', { api: '{{ variables.api }}' })]));
    const id = await cluster.client.executeWorkflow('pauses-child', { api: api.url });
    await expect.poll(async () => (await childOf(id))?.status, { timeout: 15_000 }).toBe('running');
    const child = (await childOf(id))!.executionId;
    await expect.poll(() => calls.get(`${child}-one`) ?? 0, { timeout: 15_000 }).toBe(1);
    await cluster.client.pauseWorkflow(id);
    await expect.poll(async () => (await get(child)).status, { timeout: 15_000 }).toBe('paused');
    // Paused: the running step finishes, the next one does not start.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(calls.get(`${child}-two`) ?? 0).toBe(0);
    await cluster.client.resumeWorkflow(id);
    expect((await cluster.client.waitForCompletion(id, { timeoutMs: 30_000 })).status).toBe('completed');
    expect((await get(child)).status).toBe('completed');
    expect(calls.get(`${child}-two`)).toBe(1);
  });

  it('starts a child again when its start was lost (the coordinator died after the parent committed), under the same id, once', async () => {
    await cluster.client.createWorkflow(wf('lost-leaf', [hold('slow', 3_000, ['done']), code('done', 'return "leaf";')]));
    await cluster.client.createWorkflow(wf('lost-parent', [sub('l', 'lost-leaf', { api: '{{ variables.api }}' })]));
    const id = await cluster.client.executeWorkflow('lost-parent', { api: api.url });
    await expect.poll(async () => (await childOf(id))?.status, { timeout: 15_000 }).toBe('running');
    const child = (await childOf(id))!.executionId;
    await expect.poll(() => calls.get(`${child}-slow`) ?? 0, { timeout: 15_000 }).toBe(1);
    // What a coordinator SIGKILLed between the parent's commit and the child's start leaves: the
    // parent waiting, no child. The leader's child reconciler starts it from the parent's run.
    const db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      await db.query('delete from workflow_executions where id = $1', [child]);
    } finally {
      await db.end();
    }
    const done = await cluster.client.waitForCompletion(id, { timeoutMs: 30_000, outputs: true });
    expect(done.status).toBe('completed');
    expect(done.results).toEqual({ l: { slow: { key: `${child}-slow` }, done: 'leaf' } });
    // The same derived id, one child: the late result of the deleted child's first run changed nothing.
    expect(done.children).toEqual([{ stepKey: 'l', executionId: child, workflowId: 'lost-leaf', status: 'completed' }]);
    expect(calls.get(`${child}-slow`)).toBe(2);
  });

  it('fails the step when its workflow is gone at run time; a resume after it is back starts the child', async () => {
    await cluster.client.createWorkflow(wf('comes-and-goes', [code('x', 'return 42;')]));
    await cluster.client.createWorkflow(wf('calls-it', [sub('c', 'comes-and-goes')]));
    // Registration checked it; only a row deleted behind the API's back (no route deletes definitions) can be gone.
    const db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      await db.query("delete from workflow_definitions where id = 'comes-and-goes'");
    } finally {
      await db.end();
    }
    const id = await cluster.client.executeWorkflow('calls-it', {});
    const failed = await cluster.client.waitForCompletion(id, { timeoutMs: 30_000 });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'CHILD_FAILED', stepId: 'c', message: expect.stringContaining('could not start: WORKFLOW_NOT_FOUND') });
    expect(failed.children).toEqual([]);
    await cluster.client.createWorkflow(wf('comes-and-goes', [code('x', 'return 42;')]));
    await cluster.client.resumeWorkflow(id);
    const done = await cluster.client.waitForCompletion(id, { timeoutMs: 30_000, outputs: true });
    expect(done.status).toBe('completed');
    expect(done.results).toEqual({ c: { x: 42 } });
  });

  it('stops a workflow calling itself at the depth limit: WORKFLOW_DEPTH at depth 10, and every level settles', async () => {
    await cluster.client.createWorkflow(wf('forever', [sub('again', 'forever')]));
    const id = await cluster.client.executeWorkflow('forever', {});
    const top = await cluster.client.waitForCompletion(id, { timeoutMs: 60_000 });
    expect(top.status).toBe('failed');
    expect(top.error).toMatchObject({ code: 'CHILD_FAILED', stepId: 'again' });
    const chain = [top as ExecutionOverview];
    for (let execution = top as ExecutionOverview; execution.children.length > 0; ) {
      execution = await get(execution.children[0]!.executionId);
      chain.push(execution);
    }
    expect(chain).toHaveLength(11);
    expect(chain.every((e) => e.status === 'failed')).toBe(true);
    const deepest = chain.at(-1)!;
    expect(deepest.error).toMatchObject({ code: 'WORKFLOW_DEPTH', message: expect.stringContaining('over the limit of 10') });
    expect(chain.slice(0, -1).every((e) => e.error?.code === 'CHILD_FAILED')).toBe(true);
  });

  it('refuses a definition naming an unknown workflow or version, with the path; allows one naming itself', async () => {
    const unknown = await rejection(cluster.client.createWorkflow(wf('bad-ref', [sub('s', 'no-such-workflow')])));
    expect(unknown).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      problems: [{ path: '$.steps[0].config.workflowId', message: expect.stringContaining('"no-such-workflow" does not exist') }],
    });
    await cluster.client.createWorkflow(wf('versioned', [code('x', 'return 1;')]));
    const version = await rejection(
      cluster.client.createWorkflow(
        wf('bad-version', [code('a', 'return 1;', ['s']), { id: 's', type: 'workflow', config: { workflowId: 'versioned', version: '9' } }]),
      ),
    );
    expect(version).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      problems: [{ path: '$.steps[1].config.version', message: expect.stringContaining('no version "9"') }],
    });
    await expect(cluster.client.createWorkflow(wf('self', [sub('s', 'self')]))).resolves.toMatchObject({ id: 'self' });
  });
});
