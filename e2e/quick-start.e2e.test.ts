import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepRunSummary } from '@agentic-flow/sdk';
import { demoModel, startFakeLlm, type FakeLlm } from '@agentic-flow/testing';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

const quickStartYaml = await readFile(new URL('../examples/quick-start.yaml', import.meta.url), 'utf8');

describe('Quick Start on a real cluster (coordinator + http, script and agent-task workers, a local model)', () => {
  let cluster: Cluster;
  let api: DataServer;
  let llm: FakeLlm;

  beforeAll(async () => {
    [api, llm] = await Promise.all([startDataServer(), startFakeLlm(demoModel)]);
    cluster = await startCluster([['http'], ['script'], ['agent-task']], { worker: { AGENT_BASE_URL: llm.url, AGENT_MODEL: 'demo-model' } });
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close(), llm?.close()]);
  });

  it('runs every step on the right worker and persists every output', async () => {
    const created = await cluster.client.createWorkflow(quickStartYaml);
    expect(created).toEqual({ id: 'my-workflow', version: '1.1.0', created: true });

    const executionId = await cluster.client.executeWorkflow('my-workflow', { apiUrl: api.url });
    const finished: string[] = [];
    const execution = await cluster.client.waitForCompletion(executionId, { timeoutMs: 60_000, onStep: (step: StepRunSummary) => finished.push(step.stepId) });

    expect(execution.status).toBe('completed');
    expect(finished).toEqual(['fetch-data', 'process-data', 'save-results']);
    expect(api.requests).toEqual([{ method: 'GET', url: '/data' }]);

    const [fetch, process, save] = execution.steps;
    expect(fetch).toMatchObject({ stepId: 'fetch-data', stepType: 'http', status: 'succeeded', attempt: 1, error: null, workerId: 'worker-0-http' });
    expect(fetch!.output).toEqual({
      items: [
        { id: 1, value: 10 },
        { id: 2, value: 20 },
        { id: 3, value: 45 },
      ],
    });
    expect(fetch!.response).toMatchObject({ status: 200 });
    expect(process).toMatchObject({
      stepId: 'process-data',
      stepType: 'agent-task',
      status: 'succeeded',
      workerId: 'worker-2-agent-task',
      output: { count: 3, total: 75, average: 25 },
    });
    expect(process!.agent).toMatchObject({ provider: 'openai', model: 'demo-model' });
    // The agent computed with its sandboxed script tool, then answered.
    expect(llm.requests.map((r) => r.messages.at(-1)?.role)).toEqual(['user', 'tool']);
    expect(save).toMatchObject({ stepId: 'save-results', status: 'succeeded', workerId: 'worker-1-script' });
    expect(save!.output).toEqual({ saved: true, timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), summary: { count: 3, total: 75, average: 25 } });
    for (const step of execution.steps) {
      expect(Date.parse(step.queuedAt!)).toBeLessThanOrEqual(Date.parse(step.startedAt!));
      expect(step.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(execution.results).toEqual({ 'fetch-data': fetch!.output, 'process-data': process!.output, 'save-results': save!.output });
    expect(execution.input).toEqual({ apiUrl: api.url });

    // What the API reported is what Postgres holds.
    const db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query('select step_id, status, output from step_runs where execution_id = $1 order by queued_at', [executionId]);
      expect(rows).toEqual(execution.steps.map((s) => ({ step_id: s.stepId, status: 'succeeded', output: s.output })));
      const {
        rows: [row],
      } = await db.query('select status, finished_at from workflow_executions where id = $1', [executionId]);
      expect(row).toMatchObject({ status: 'completed', finished_at: expect.any(Date) });
    } finally {
      await db.end();
    }

    const logs = await cluster.client.getExecutionLogs(executionId);
    expect(logs.items.filter((l) => l.stepId === 'save-results').map((l) => [l.level, l.message])).toEqual([['info', 'Saving results...']]);
    expect(logs.items.filter((l) => l.stepId === 'process-data').map((l) => l.message)).toEqual([
      'capabilities without a tool, described to the model as skills: data-analysis, transformation (tools here: http, script)',
      expect.stringMatching(/^agent call 1/),
      expect.stringMatching(/^agent call 2/),
    ]);
  });

  it('lists executions by workflow and status, paginated', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await cluster.client.executeWorkflow('my-workflow', { apiUrl: api.url }));
    await Promise.all(ids.map((id) => cluster.client.waitForCompletion(id, { timeoutMs: 60_000 })));
    const first = await cluster.client.listExecutions({ workflowId: 'my-workflow', status: 'completed', limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await cluster.client.listExecutions({ workflowId: 'my-workflow', status: 'completed', limit: 2, cursor: first.nextCursor! });
    const all = [...first.items, ...second.items];
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(all.slice(0, 3).map((e) => e.id)).toEqual([...ids].reverse());
    expect((await cluster.client.listExecutions({ status: 'failed' })).items).toEqual([]);
  });

  it('fails a step whose script throws with its message and line', async () => {
    await cluster.client.createWorkflow({
      id: 'thrower',
      name: 'Thrower',
      version: '1',
      steps: [{ id: 'boom', type: 'script', config: { script: 'const a = 1;\nconst b = 2;\nthrow new Error("bad input " + (a + b));' } }],
    });
    const execution = await cluster.client.waitForCompletion(await cluster.client.executeWorkflow('thrower'), { timeoutMs: 30_000 });
    expect(execution.status).toBe('failed');
    expect(execution.error).toEqual({ code: 'SCRIPT_ERROR', message: expect.stringContaining('bad input 3'), stepId: 'boom' });
    expect(execution.steps[0]!.error).toMatchObject({ code: 'SCRIPT_ERROR', details: expect.objectContaining({ line: 3 }) });
  });

  it('fails a step whose output PostgreSQL cannot store, and keeps its logs', async () => {
    await cluster.client.createWorkflow({
      id: 'nul',
      name: 'NUL',
      version: '1',
      steps: [{ id: 'n', type: 'script', config: { script: 'console.log("a\\u0000b"); return "x\\u0000y";' } }],
    });
    const execution = await cluster.client.waitForCompletion(await cluster.client.executeWorkflow('nul'), { timeoutMs: 30_000 });
    expect(execution).toMatchObject({ status: 'failed', error: { code: 'OUTPUT_NOT_SERIALIZABLE', stepId: 'n' } });
    expect((await cluster.client.getExecutionLogs(execution.id)).items.map((l) => l.message)).toEqual(['a\uFFFDb']);
  });

  it('stops an infinite loop at the step timeout', async () => {
    await cluster.client.createWorkflow({
      id: 'spinner',
      name: 'Spinner',
      version: '1',
      steps: [{ id: 'spin', type: 'script', config: { script: 'while (true) {}', timeout: 300 } }],
    });
    const execution = await cluster.client.waitForCompletion(await cluster.client.executeWorkflow('spinner'), { timeoutMs: 30_000 });
    expect(execution.status).toBe('failed');
    expect(execution.steps[0]!.error).toMatchObject({ code: 'TIMEOUT' });
  });
});
