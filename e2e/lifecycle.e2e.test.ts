import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { rejection } from './rejection.js';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/** `/hold?ms=N&key=K` answers after N ms and counts calls per key; `/fail?key=K` fails while `failing` holds K. */
const calls = new Map<string, number>();
const failing = new Set<string>();

const wf = (id: string, steps: WorkflowDefinitionInput['steps']): WorkflowDefinitionInput => ({ id, name: id, version: '1', steps });
const hold = (id: string, ms: number, next: string[] = []) => ({
  id,
  type: 'http' as const,
  config: { url: `{{ variables.api }}/hold?ms=${ms}&key={{ execution.id }}-${id}` },
  next,
});

describe('lifecycle on a real cluster: pause, resume, cancel, snapshots, resume from failure', () => {
  let cluster: Cluster;
  let api: DataServer;
  const start = async (definition: WorkflowDefinitionInput) => {
    await cluster.client.createWorkflow(definition);
    return cluster.client.executeWorkflow(definition.id, { api: api.url });
  };
  const callsOf = (executionId: string, step: string) => calls.get(`${executionId}-${step}`) ?? 0;

  beforeAll(async () => {
    [cluster, api] = await Promise.all([
      startCluster([['http'], ['script']], { coordinator: { MAINTENANCE_INTERVAL_MS: '300' } }),
      startDataServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        const key = url.searchParams.get('key') ?? '';
        if (url.pathname === '/hold') {
          calls.set(key, (calls.get(key) ?? 0) + 1);
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
          calls.set(key, (calls.get(key) ?? 0) + 1);
          res.writeHead(failing.has(key) ? 500 : 200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ key }));
          return true;
        }
        return false;
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close()]);
  });

  it('pauses (the running step finishes, no new step starts) and resumes', async () => {
    const id = await start(wf('pausable', [hold('a', 600, ['b']), hold('b', 10)]));
    await expect.poll(() => callsOf(id, 'a'), { timeout: 10_000 }).toBe(1);
    expect(await cluster.client.pauseWorkflow(id)).toEqual({ executionId: id, status: 'paused' });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const paused = await cluster.client.getExecution(id);
    expect(paused.status).toBe('paused');
    expect(paused.steps.find((s) => s.stepId === 'a')?.status).toBe('succeeded');
    expect(callsOf(id, 'b')).toBe(0);
    expect(await rejection(cluster.client.pauseWorkflow(id))).toMatchObject({
      status: 409,
      code: 'INVALID_STATE',
      message: expect.stringContaining('it is paused'),
    });
    expect(await cluster.client.resumeWorkflow(id)).toEqual({ executionId: id, status: 'running' });
    expect((await cluster.client.waitForCompletion(id, { timeoutMs: 20_000 })).status).toBe('completed');
    expect(callsOf(id, 'b')).toBe(1);
  });

  it('cancels: queued steps are withdrawn, a running step’s late result is ignored', async () => {
    const id = await start(wf('cancellable', [hold('slow', 800, ['never']), hold('never', 10)]));
    await expect.poll(() => callsOf(id, 'slow'), { timeout: 10_000 }).toBe(1);
    expect(await cluster.client.cancelExecution(id)).toEqual({ executionId: id, status: 'cancelled' });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const view = await cluster.client.getExecution(id);
    expect(view.status).toBe('cancelled');
    expect(view.steps.find((s) => s.stepId === 'slow')).toMatchObject({ status: 'cancelled', output: null });
    expect(callsOf(id, 'never')).toBe(0);
    expect(await rejection(cluster.client.resumeWorkflow(id))).toMatchObject({ status: 409, message: expect.stringContaining('it is cancelled') });
    expect(await rejection(cluster.client.pauseWorkflow(id))).toMatchObject({ status: 409 });
  });

  it('resumes a failed execution from the failed step, reusing what succeeded', async () => {
    await cluster.client.createWorkflow(
      wf('flaky', [
        hold('first', 10, ['second']),
        { id: 'second', type: 'http', config: { url: '{{ variables.api }}/fail?key={{ variables.failKey }}' }, next: ['third'] },
        hold('third', 10),
      ]),
    );
    const failKey = `flaky-${Date.now()}`;
    failing.add(failKey);
    const id = await cluster.client.executeWorkflow('flaky', { api: api.url, failKey });
    const failed = await cluster.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(failed).toMatchObject({ status: 'failed', error: { stepId: 'second', code: 'HTTP_STATUS' } });
    failing.delete(failKey);
    expect(await cluster.client.resumeWorkflow(id)).toEqual({ executionId: id, status: 'running' });
    const resumed = await cluster.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(resumed.status).toBe('completed');
    expect([callsOf(id, 'first'), calls.get(failKey), callsOf(id, 'third')]).toEqual([1, 2, 1]);
    expect(resumed.steps.filter((s) => s.stepId === 'second').map((s) => [s.attempt, s.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(await rejection(cluster.client.resumeWorkflow(id))).toMatchObject({ status: 409, message: expect.stringContaining('it is completed') });
  });

  it('snapshots, lists, and restores an execution to a snapshot, then continues', async () => {
    const id = await start(wf('restorable', [hold('one', 10, ['two']), hold('two', 700, ['three']), hold('three', 10)]));
    await expect.poll(() => callsOf(id, 'two'), { timeout: 10_000 }).toBe(1);
    const snapshot = await cluster.client.createSnapshot(id);
    expect(snapshot).toMatchObject({ executionId: id, kind: 'manual', status: 'running' });
    expect((await cluster.client.waitForCompletion(id, { timeoutMs: 20_000 })).status).toBe('completed');
    expect(await cluster.client.restoreSnapshot(id, snapshot.id)).toEqual({ executionId: id, status: 'running' });
    const again = await cluster.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(again.status).toBe('completed');
    // "two" was in flight in the snapshot: it ran again under a new attempt; "one" was reused.
    expect([callsOf(id, 'one'), callsOf(id, 'two'), callsOf(id, 'three')]).toEqual([1, 2, 2]);
    const kinds = (await cluster.client.listSnapshots(id)).items.map((s) => s.kind);
    expect(kinds.sort()).toEqual(['manual', 'restore']);
  });

  it('takes automatic snapshots while an execution runs', async () => {
    const id = await start(wf('watched', [hold('long', 3000)]));
    expect(await cluster.client.enableAutoSnapshots(id, 1000)).toEqual({ executionId: id, intervalMs: 1000 });
    await expect
      .poll(async () => (await cluster.client.listSnapshots(id)).items.filter((s) => s.kind === 'auto').length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(1);
    await cluster.client.waitForCompletion(id, { timeoutMs: 20_000 });
  });

  it('answers bad lifecycle requests with a clear 4xx and changes nothing', async () => {
    const id = await start(wf('other', [hold('s', 10)]));
    const otherId = await start(wf('another', [hold('s', 10)]));
    await Promise.all([cluster.client.waitForCompletion(id), cluster.client.waitForCompletion(otherId)]);
    const foreign = await cluster.client.createSnapshot(otherId);
    expect(await rejection(cluster.client.restoreSnapshot(id, foreign.id))).toMatchObject({ status: 404, code: 'SNAPSHOT_NOT_FOUND' });
    expect(await rejection(cluster.client.restoreSnapshot(id, '00000000-0000-0000-0000-000000000000'))).toMatchObject({
      status: 404,
      code: 'SNAPSHOT_NOT_FOUND',
    });
    expect(await rejection(cluster.client.restoreSnapshot(id, 'nope'))).toMatchObject({ status: 400, problems: [{ path: '$.params.snapshotId' }] });
    expect(await rejection(cluster.client.pauseWorkflow('00000000-0000-0000-0000-000000000000'))).toMatchObject({ status: 404, code: 'EXECUTION_NOT_FOUND' });
    expect(await rejection(cluster.client.enableAutoSnapshots(id, 5))).toMatchObject({ status: 400, problems: [{ path: '$.body.intervalMs' }] });
    expect((await cluster.client.getExecution(id)).status).toBe('completed');
  });
});

describe('pause withdraws jobs that have not started', () => {
  let cluster: Cluster;
  let api: DataServer;
  const started: string[] = [];

  beforeAll(async () => {
    // One http slot: while "x" holds it, "y" waits in the queue — the job a pause must withdraw.
    [cluster, api] = await Promise.all([
      startCluster([['http']], { worker: { WORKER_CONCURRENCY: '1' } }),
      startDataServer((req, res) => {
        started.push(new URL(req.url ?? '/', 'http://x').searchParams.get('step') ?? '');
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        }, 600);
        return true;
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close()]);
  });

  it('keeps the withdrawn step from starting while paused and enqueues it again at resume', async () => {
    const call = (id: string) => ({ id, type: 'http' as const, config: { url: `{{ variables.api }}/hold?step=${id}` } });
    await cluster.client.createWorkflow(wf('withdrawn', [{ id: 'fan', type: 'parallel', config: { steps: ['x', 'y'] } }, call('x'), call('y')]));
    const id = await cluster.client.executeWorkflow('withdrawn', { api: api.url });
    await expect.poll(() => started.length, { timeout: 10_000 }).toBe(1);
    await cluster.client.pauseWorkflow(id);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(started).toHaveLength(1);
    expect((await cluster.client.getExecution(id)).status).toBe('paused');
    await cluster.client.resumeWorkflow(id);
    expect((await cluster.client.waitForCompletion(id, { timeoutMs: 20_000 })).status).toBe('completed');
    expect(started.sort()).toEqual(['x', 'y']);
  });
});

describe('maxConcurrentWorkflows', () => {
  let cluster: Cluster;
  let api: DataServer;
  let inFlight = 0;
  let peak = 0;

  beforeAll(async () => {
    [cluster, api] = await Promise.all([
      startCluster([['http']], { coordinator: { MAX_CONCURRENT_WORKFLOWS: '2', MAINTENANCE_INTERVAL_MS: '300' } }),
      startDataServer((req, res) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        setTimeout(() => {
          inFlight -= 1;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ url: req.url }));
        }, 150);
        return true;
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close()]);
  });

  it('keeps executions over the limit pending and starts them in submission order', async () => {
    await cluster.client.createWorkflow(wf('limited', [{ id: 'call', type: 'http', config: { url: '{{ variables.api }}/x' } }]));
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await cluster.client.executeWorkflow('limited', { api: api.url }));
    const early = await cluster.client.listExecutions({ workflowId: 'limited', status: 'pending' });
    expect(early.items.length).toBeGreaterThanOrEqual(3);
    const done = await Promise.all(ids.map((id) => cluster.client.waitForCompletion(id, { timeoutMs: 30_000 })));
    expect(done.every((e) => e.status === 'completed')).toBe(true);
    expect(peak).toBeLessThanOrEqual(2);
    const startedOrder = [...done].sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!)).map((e) => e.id);
    expect(startedOrder).toEqual(ids);
  });
});
