import { readFile, readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionView } from '@agentic-flow/sdk';
import { demoModel, startDemoApi, startFakeLlm, type DemoApi, type FakeLlm } from '@agentic-flow/testing';
import { DEMO_SCENARIOS } from '../apps/cli/src/demo-scenarios.js';
import { startCluster, type Cluster } from './cluster.js';

const examples = new URL('../examples/', import.meta.url);

/** What each example must produce on the real cluster. */
const expectations: Record<string, (execution: ExecutionView, api: DemoApi) => void> = {
  'linear.yaml': (e) => {
    expect(e.results).toMatchObject({ generate: [1, 2, 3, 4, 5], square: [1, 4, 9, 16, 25], total: { sum: 55 } });
  },
  'parallel.yaml': (e) => {
    expect(e.results['join']).toEqual({ users: 3, orders: 4, revenue: 455, withVat: 546 });
    expect(Object.keys(e.results['fetch-all'] as object)).toEqual(['fetch-users', 'fetch-orders', 'reference-data']);
  },
  'conditional.yaml': (e) => {
    expect(e.results['data-check']).toBe(true);
    expect(e.results['report']).toEqual({ quality: 0.92, passed: true, path: 'fast', rows: 1200 });
    expect(e.steps.find((s) => s.stepId === 'data-cleaning')?.status).toBe('skipped');
  },
  'wait.yaml': (e) => {
    const followUp = e.results['follow-up'] as { orderId: string; waitedMs: number; until: string };
    expect(followUp.orderId).toBe('A-17');
    // The follow-up starts no earlier than the wait was due: a second after the wait started.
    expect(followUp.waitedMs).toBeGreaterThanOrEqual(1000);
    expect(e.results['cool-off']).toEqual({ waitedUntil: followUp.until });
    expect(e.steps.find((s) => s.stepId === 'cool-off')).toMatchObject({ stepType: 'wait', status: 'succeeded' });
  },
  'loop.yaml': (e) => {
    expect(e.results['summary']).toEqual({ batches: 3, grandTotal: 56 });
    expect(e.results['batch-processing']).toEqual([
      { batch: 0, sum: 6, error: null },
      { batch: 1, sum: 30, error: null },
      { batch: 2, sum: 20, error: null },
    ]);
    expect(e.steps.filter((s) => s.stepId === 'fetch-batch').map((s) => s.instanceKey)).toEqual([
      'batch-processing#0/fetch-batch',
      'batch-processing#1/fetch-batch',
      'batch-processing#2/fetch-batch',
    ]);
    expect(e.variables).toMatchObject({ batchIndex: 3, grandTotal: 56 });
  },
  'http.yaml': (e, api) => {
    // An http step's result is its response body; its status and headers are on its run.
    expect(e.results['api-call']).toEqual({
      received: { data: { greeting: 'hello', items: [1, 2, 3] }, execution: e.id },
      authorization: 'Bearer demo-token',
      contentType: 'application/json',
    });
    expect(e.results['flaky-call']).toEqual({ ok: true, attempt: 3 });
    const flaky = e.steps.find((s) => s.stepId === 'flaky-call')!;
    expect(flaky.response).toEqual({ status: 200, headers: expect.objectContaining({ 'content-type': 'application/json' }) });
    expect(flaky.output).toEqual({ ok: true, attempt: 3 });
    expect(api.requests.filter((r) => r.path === `/flaky?id=${e.id}`)).toHaveLength(3);
  },
  'script.yaml': (e) => {
    expect(e.results['data-transform']).toEqual({
      data: { Ada: 320 },
      count: 2,
      batchId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      processingTime: expect.any(Number),
    });
    expect((e.results['data-transform'] as { processingTime: number }).processingTime).toBeGreaterThanOrEqual(0);
    expect(e.results['use-variable']).toEqual({ customers: ['Ada'], at: '1970-01-01T00:00:00.000Z' });
  },
  'complex.yaml': (e) => {
    expect(e.results['report']).toEqual({ ranking: ['Ada: 320', 'Grace: 80', 'Linus: 55'], notified: ['Ada'] });
    expect(e.steps.find((s) => s.stepId === 'nothing-to-do')?.status).toBe('skipped');
    const notify = e.steps.find((s) => s.instanceKey === 'notify-each#0/notify');
    expect(notify).toMatchObject({ output: { notified: 'Ada' }, response: { status: 202 } });
  },
  'quick-start.yaml': (e) => {
    expect(e.results['process-data']).toEqual({ count: 3, total: 75, average: 25 });
    expect(e.results['save-results']).toMatchObject({ saved: true, summary: { count: 3, total: 75, average: 25 } });
    expect(e.steps.find((s) => s.stepId === 'process-data')?.agent).toMatchObject({ provider: 'openai', model: 'demo-model' });
  },
  'agents.yaml': (e) => {
    expect(e.results['review']).toEqual({
      reviews: [
        { id: 1, value: 10, verdict: 'at or below average' },
        { id: 2, value: 20, verdict: 'at or below average' },
        { id: 3, value: 45, verdict: 'above average' },
      ],
    });
    expect(e.results['publish']).toEqual({ reviewed: 3, above: [3] });
    expect(e.steps.filter((s) => s.instanceKey.startsWith('review~sub/')).map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  },
};

describe('every example on a real cluster', () => {
  let cluster: Cluster;
  let api: DemoApi;
  let llm: FakeLlm;

  beforeAll(async () => {
    [api, llm] = await Promise.all([startDemoApi(), startFakeLlm(demoModel)]);
    cluster = await startCluster([['http'], ['script'], ['agent-task']], { worker: { AGENT_BASE_URL: llm.url, AGENT_MODEL: 'demo-model' } });
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close(), llm?.close()]);
  });

  it('covers every example file, in the demo and here', async () => {
    const files = (await readdir(examples)).filter((f) => f.endsWith('.yaml')).sort();
    expect(DEMO_SCENARIOS.map((s) => s.file).sort()).toEqual(files);
    expect(Object.keys(expectations).sort()).toEqual(files);
  });

  it.each(DEMO_SCENARIOS.map((s) => [s.name, s.file] as const))('%s (%s)', async (_name, file) => {
    const { id } = await cluster.client.createWorkflow(await readFile(new URL(file, examples), 'utf8'));
    const executionId = await cluster.client.executeWorkflow(id, { apiUrl: api.url });
    const execution = await cluster.client.waitForCompletion(executionId, { timeoutMs: 60_000 });
    expect([execution.status, execution.error]).toEqual(['completed', null]);
    expect(execution.steps.every((s) => s.status === 'succeeded' || s.status === 'skipped')).toBe(true);
    expectations[file]!(execution, api);
  });
});
