import type { ExecutionView, StepRunSummary } from '@agentic-flow/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { send } from './http.js';
import { rejection } from './rejection.js';

const BRANCHES = Array.from({ length: 30 }, (_, i) => `b${String(i).padStart(2, '0')}`);

describe('an execution read page by page: stepsLimit, stepsCursor, nextStepsCursor', () => {
  let cluster: Cluster;
  let id: string;
  let other: string;
  /** Past 32 nodes: its nodes are rows, where `id`'s are inline in its state. */
  let large: string;
  const get = (path: string) => send(cluster.coordinator.url, 'GET', path);

  beforeAll(async () => {
    cluster = await startCluster([['script']]);
    await cluster.client.createWorkflow({
      id: 'fan-30',
      name: 'Fan of 30',
      version: '1',
      steps: [
        { id: 'fan', type: 'parallel', config: { steps: BRANCHES } },
        ...BRANCHES.map((b) => ({ id: b, type: 'script' as const, config: { script: `return { branch: '${b}' };` } })),
      ],
    });
    const wide = Array.from({ length: 40 }, (_, i) => `w${String(i).padStart(2, '0')}`);
    await cluster.client.createWorkflow({
      id: 'fan-40',
      name: 'Fan of 40',
      version: '1',
      steps: [
        { id: 'fan', type: 'parallel', config: { steps: wide } },
        ...wide.map((b) => ({ id: b, type: 'script' as const, config: { script: `return { branch: '${b}' };` } })),
      ],
    });
    id = await cluster.client.executeWorkflow('fan-30');
    other = await cluster.client.executeWorkflow('fan-30');
    large = await cluster.client.executeWorkflow('fan-40');
    await cluster.client.waitForCompletion(id, { timeoutMs: 60_000 });
    await cluster.client.waitForCompletion(other, { timeoutMs: 60_000 });
    await cluster.client.waitForCompletion(large, { timeoutMs: 60_000 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  /** Every page of the execution over HTTP, following nextStepsCursor. */
  async function pages(query: string, of = id): Promise<{ steps: StepRunSummary[]; results?: Record<string, unknown> }[]> {
    const seen = [];
    let cursor: string | null = null;
    do {
      const { status, body } = await get(`/v1/executions/${of}?${query}${cursor === null ? '' : `&stepsCursor=${cursor}`}`);
      expect(status).toBe(200);
      seen.push(body);
      cursor = body.nextStepsCursor;
    } while (cursor !== null);
    return seen;
  }

  it('without stepsLimit: all 31 runs and a null nextStepsCursor, as before', async () => {
    const whole = await cluster.client.getExecution(id);
    expect(whole.steps).toHaveLength(31);
    expect(whole.nextStepsCursor).toBeNull();
    expect(Object.keys(whole.results).sort()).toEqual([...BRANCHES, 'fan']);
    expect((await cluster.client.getExecution(id, { outputs: false })).nextStepsCursor).toBeNull();
  });

  it('stepsLimit=10 pages through all 31 runs exactly once, in the unpaged order (overview and outputs)', async () => {
    const whole = (await cluster.client.getExecution(id)) as ExecutionView;
    for (const query of ['stepsLimit=10', 'include=outputs&stepsLimit=10']) {
      const read = await pages(query);
      expect(read.map((p) => p.steps.length)).toEqual([10, 10, 10, 1]);
      const ids = read.flatMap((p) => p.steps.map((s) => s.id));
      expect(ids).toEqual(whole.steps.map((s) => s.id));
      expect(new Set(ids).size).toBe(31);
    }
    // With outputs, each page carries its own runs' outputs and only their steps' results — the
    // whole read's, for a small execution (nodes inline) and a large one (nodes as rows) alike.
    for (const execution of [id, large]) {
      const all = ((await cluster.client.getExecution(execution)) as ExecutionView).results;
      const read = await pages('include=outputs&stepsLimit=10', execution);
      expect(read.length).toBeGreaterThan(1);
      for (const page of read) {
        const stepIds = page.steps.map((s) => s.stepId);
        expect(page.results).toEqual(Object.fromEntries(stepIds.map((stepId) => [stepId, all[stepId]])));
        for (const run of page.steps as unknown as { stepId: string; output: unknown }[]) {
          if (run.stepId !== 'fan') expect(run.output).toEqual({ branch: run.stepId });
        }
      }
    }
  });

  it('a bad stepsLimit or stepsCursor is a 400 naming the parameter', async () => {
    for (const limit of ['0', '1001', '2.5', 'ten', '', '-1']) {
      const { status, body } = await get(`/v1/executions/${id}?stepsLimit=${limit}`);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: 'VALIDATION_FAILED', problems: [{ path: '$.query.stepsLimit', message: 'must be an integer from 1 to 1000' }] });
    }
    const { body: first } = await get(`/v1/executions/${other}?stepsLimit=5`);
    const forged = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', id, 'q', 'fan', '1x'])).toString('base64url');
    for (const cursor of ['forged', 'bm90IGEgY3Vyc29y', forged, first.nextStepsCursor]) {
      for (const include of ['', '&include=outputs']) {
        const { status, body } = await get(`/v1/executions/${id}?stepsCursor=${cursor}${include}`);
        expect(status).toBe(400);
        expect(body.error).toMatchObject({
          code: 'INVALID_CURSOR',
          message: expect.stringContaining('stepsCursor'),
          problems: [{ path: '$.query.stepsCursor' }],
        });
      }
    }
    // An empty one is a validation problem like any empty parameter.
    expect((await get(`/v1/executions/${id}?stepsCursor=`)).body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      problems: [{ path: '$.query.stepsCursor' }],
    });
  });

  it('the SDK pages with stepsLimit and stepsCursor, and stepRuns() yields every run once', async () => {
    const first = await cluster.client.getExecution(id, { outputs: false, stepsLimit: 10 });
    expect(first.steps).toHaveLength(10);
    const second = await cluster.client.getExecution(id, { stepsLimit: 25, stepsCursor: first.nextStepsCursor! });
    expect(second.steps).toHaveLength(21);
    expect(second.nextStepsCursor).toBeNull();
    expect(second.steps.every((s) => s.output !== undefined)).toBe(true);
    const all: StepRunSummary[] = [];
    for await (const run of cluster.client.stepRuns(id, { pageSize: 7 })) all.push(run);
    expect(all.map((s) => s.id)).toEqual([...first.steps, ...second.steps].map((s) => s.id));
    expect(await rejection(cluster.client.getExecution(id, { stepsCursor: 'forged' }))).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
    expect(await rejection(cluster.client.getExecution(id, { stepsLimit: 0 }))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });
});
