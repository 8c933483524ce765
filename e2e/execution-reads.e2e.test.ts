import type { StepRunSummary, StepRunView } from '@agentic-flow/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { send } from './http.js';
import { rejection } from './rejection.js';

const MB = 1024 * 1024;

describe('reading executions: a small overview to poll, outputs when asked for', () => {
  let cluster: Cluster;
  let big: string;
  let small: string;
  const get = (path: string) => send(cluster.coordinator.url, 'GET', path);

  beforeAll(async () => {
    // Outputs and states above the default limits (1 MiB per output, 16 MiB per state), on purpose.
    cluster = await startCluster([['script']], { worker: { MAX_OUTPUT_BYTES: String(8 * MB) }, coordinator: { MAX_EXECUTION_STATE_BYTES: String(64 * MB) } });
    // Three steps of 3 MB each: 9 MB of step outputs, and the same again in the engine's state.
    await cluster.client.createWorkflow({
      id: 'big-outputs',
      name: 'Big outputs',
      version: '1',
      steps: [1, 2, 3].map((i) => ({
        id: `s${i}`,
        type: 'script' as const,
        config: { script: `return { i: ${i}, blob: 'x'.repeat(${3 * MB}) };`, memoryLimit: 128 },
        ...(i < 3 ? { next: [`s${i + 1}`] } : {}),
      })),
    });
    await cluster.client.createWorkflow({
      id: 'escalating',
      name: 'Escalating',
      version: '1',
      variables: { greeting: 'hi' },
      steps: [
        { id: 'first', type: 'script', config: { script: 'setVariable("seen", true); return 1;' }, next: ['stuck'] },
        { id: 'stuck', type: 'script', config: { script: 'throw new Error("needs a human")' }, onError: { type: 'escalate' } },
      ],
    });
    big = await cluster.client.executeWorkflow('big-outputs');
    small = await cluster.client.executeWorkflow('escalating', { extra: 1 }, { tokenBudget: 5000 });
    await cluster.client.waitForCompletion(big, { timeoutMs: 60_000 });
    for (const deadline = Date.now() + 30_000; (await cluster.client.getExecution(small, { outputs: false })).escalations.length === 0; ) {
      if (Date.now() > deadline) throw new Error('the escalating execution never escalated');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('GET /v1/executions/:id leaves every output out, so a poll stays small', async () => {
    const started = performance.now();
    const response = await fetch(`${cluster.coordinator.url}/v1/executions/${big}`, { headers: { authorization: `Bearer ${cluster.coordinator.adminKey}` } });
    const text = await response.text();
    const lightMs = performance.now() - started;
    expect(response.status).toBe(200);
    expect(text.length).toBeLessThan(8_000);
    const overview = JSON.parse(text);
    expect(overview).not.toHaveProperty('results');
    expect(overview).toMatchObject({ id: big, status: 'completed', input: {}, variables: {} });
    expect(overview.steps.map((s: Record<string, unknown>) => [s['stepId'], s['status'], 'output' in s])).toEqual([
      ['s1', 'succeeded', false],
      ['s2', 'succeeded', false],
      ['s3', 'succeeded', false],
    ]);

    const fullStarted = performance.now();
    const full = await get(`/v1/executions/${big}?include=outputs`);
    const fullMs = performance.now() - fullStarted;
    expect(full.status).toBe(200);
    expect(full.body.results.s2).toEqual({ i: 2, blob: 'x'.repeat(3 * MB) });
    expect(full.body.steps.map((s: StepRunView) => (s.output as { i: number }).i)).toEqual([1, 2, 3]);
    // Everything but the outputs is the same in both.
    const { results: _results, steps: fullSteps, ...fullRest } = full.body;
    expect({ ...overview, steps: undefined }).toEqual({ ...fullRest, steps: undefined });
    expect(overview.steps).toEqual(fullSteps.map(({ output: _output, ...rest }: StepRunView) => rest));
    expect(lightMs).toBeLessThan(fullMs);
  });

  it('the overview has what the full view has of variables, usage and escalations', async () => {
    const [overview, full] = await Promise.all([cluster.client.getExecution(small, { outputs: false }), cluster.client.getExecution(small)]);
    expect(overview).toMatchObject({
      status: 'running',
      input: { extra: 1 },
      variables: { greeting: 'hi', extra: 1, seen: true },
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: 0, tokenBudget: 5000 },
      escalations: [{ stepId: 'stuck', instanceKey: 'stuck', attempt: 1, error: { code: 'SCRIPT_ERROR', message: expect.stringContaining('needs a human') } }],
    });
    const { results, steps, ...rest } = full;
    expect(results).toEqual({ first: 1 });
    expect(overview).toEqual({ ...rest, steps: steps.map(({ output: _output, ...run }) => run) });
  });

  it('?include takes a comma list of known parts', async () => {
    expect((await get(`/v1/executions/${small}?include=outputs,outputs`)).body.results).toEqual({ first: 1 });
    expect((await get(`/v1/executions/${small}?include=`)).body).not.toHaveProperty('results');
    for (const [query, path] of [
      ['include=output', '$.query.include[0]'],
      ['include=outputs,steps', '$.query.include[1]'],
      ['include=outputs&include=outputs', '$.query.include'],
      ['includes=outputs', '$.query.includes'],
    ]) {
      const response = await get(`/v1/executions/${small}?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'VALIDATION_FAILED', problems: [{ path }] });
    }
  });

  it('GET /v1/executions/:id/steps/:stepRunId gives one run with its output', async () => {
    const { steps } = await cluster.client.getExecution(big, { outputs: false });
    const run = await cluster.client.getStepRun(big, steps[0]!.id);
    expect(run).toEqual({ ...steps[0], output: { i: 1, blob: 'x'.repeat(3 * MB) } });
    const other = (await cluster.client.getExecution(small, { outputs: false })).steps[0]!;
    expect(await rejection(cluster.client.getStepRun(big, other.id))).toMatchObject({ status: 404, code: 'STEP_RUN_NOT_FOUND' });
    expect(await rejection(cluster.client.getStepRun('00000000-0000-0000-0000-000000000000', other.id))).toMatchObject({
      status: 404,
      code: 'EXECUTION_NOT_FOUND',
    });
    expect(await rejection(cluster.client.getStepRun(big, 'nope'))).toMatchObject({ status: 400, problems: [{ path: '$.params.stepRunId' }] });
  });

  describe('the SDK', () => {
    it('getExecution keeps giving outputs and results by default', async () => {
      const execution = await cluster.client.getExecution(small);
      expect(execution.results).toEqual({ first: 1 });
      expect(execution.steps[0]).toHaveProperty('output', 1);
    });

    it('waitForCompletion polls the overview, gives onStep runs without outputs, and returns the execution with them', async () => {
      const id = await cluster.client.executeWorkflow('big-outputs');
      const seen: StepRunSummary[] = [];
      const execution = await cluster.client.waitForCompletion(id, { timeoutMs: 60_000, onStep: (step) => seen.push(step) });
      expect(seen.map((s) => [s.stepId, 'output' in s])).toEqual([
        ['s1', false],
        ['s2', false],
        ['s3', false],
      ]);
      expect(execution.status).toBe('completed');
      expect((execution.results['s3'] as { i: number }).i).toBe(3);
      expect(execution.steps.map((s) => (s.output as { i: number }).i)).toEqual([1, 2, 3]);
    });

    it('with stepOutputs, onStep gets each run with its output', async () => {
      const id = await cluster.client.executeWorkflow('big-outputs');
      const seen: StepRunView[] = [];
      await cluster.client.waitForCompletion(id, { timeoutMs: 60_000, stepOutputs: true, onStep: (step) => seen.push(step) });
      expect(seen.map((s) => [s.stepId, (s.output as { i: number }).i])).toEqual([
        ['s1', 1],
        ['s2', 2],
        ['s3', 3],
      ]);
    });
  });
});
