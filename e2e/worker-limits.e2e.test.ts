import { access } from 'node:fs/promises';
import type { WorkflowDefinitionInput } from '@agentic-flow/sdk';
import type { AppProcess } from '@agentic-flow/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * The worker's operator limits hold whatever a step asks for or returns: a script's timeout and
 * memory are capped, and an output over the byte limit, nested too deep, or too deep to serialize
 * at all fails its step with OUTPUT_TOO_LARGE and a result — promptly, with the worker still up.
 */

const alive = (worker: AppProcess): Promise<boolean> =>
  access(`/proc/${worker.pid}`).then(
    () => true,
    () => false,
  );

const wf = (id: string, steps: WorkflowDefinitionInput['steps']): WorkflowDefinitionInput => ({ id, name: id, version: '1', steps });
const script = (id: string, config: Record<string, unknown>) =>
  wf(id, [{ id: 'run', type: 'script', config: { script: 'return 1', ...config } } as WorkflowDefinitionInput['steps'][number]]);

describe('worker limits', () => {
  let cluster: Cluster;
  let api: DataServer;
  let worker: AppProcess;

  const run = async (workflowId: string, variables: Record<string, unknown> = {}, timeoutMs = 30_000) => {
    const started = Date.now();
    const execution = await cluster.client.waitForCompletion(await cluster.client.executeWorkflow(workflowId, variables), { timeoutMs, pollIntervalMs: 20 });
    return { execution, elapsedMs: Date.now() - started, step: execution.steps[0]! };
  };

  beforeAll(async () => {
    [cluster, api] = await Promise.all([
      // Definitions registered before the coordinator capped timeouts (or forged jobs) can ask for
      // anything: the coordinator is told to let this one through, the worker must still hold.
      startCluster([], { coordinator: { SCRIPT_MAX_TIMEOUT_MS: '2147483647', SCRIPT_MAX_MEMORY_MB: '4096' } }),
      startDataServer((req, res) => {
        if (req.url === '/deep') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('['.repeat(100_000) + ']'.repeat(100_000));
          return true;
        }
        if (req.url === '/big') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ blob: 'x'.repeat(2 * 1024 * 1024) }));
          return true;
        }
        return false;
      }),
    ]);
    worker = await cluster.addWorker(['http', 'script'], { WORKER_ID: 'limited', SCRIPT_MAX_TIMEOUT_MS: '1000', SCRIPT_MAX_MEMORY_MB: '32' });
    await cluster.client.createWorkflow(script('endless', { script: 'while (true) {}', timeout: 2147483647 }));
    await cluster.client.createWorkflow(
      script('hungry', {
        script: 'const chunks = [];\nfor (let i = 0; i < 64; i++) chunks.push(new Array(1024 * 1024).fill(i));\nreturn chunks.length;',
        memoryLimit: 4096,
      }),
    );
    await cluster.client.createWorkflow(script('huge', { script: "return 'x'.repeat(15 * 1024 * 1024);" }));
    await cluster.client.createWorkflow(script('deep', { script: 'let o = {};\nfor (let i = 0; i < 5000; i++) o = { a: o };\nreturn o;' }));
    await cluster.client.createWorkflow(script('quick', { script: 'return 42;' }));
    await cluster.client.createWorkflow(wf('deep-http', [{ id: 'run', type: 'http', config: { url: '{{ variables.api }}/deep' } }]));
    await cluster.client.createWorkflow(wf('big-http', [{ id: 'run', type: 'http', config: { url: '{{ variables.api }}/big' } }]));
    // The worker's sandbox processes start warm, but only after it is ready: the timings below are the scripts' own.
    await cluster.client.waitForCompletion(await cluster.client.executeWorkflow('quick', {}), { timeoutMs: 30_000 });
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close()]);
  });

  it('ends a script asking for a 24-day timeout at the worker’s 1 s cap, and says so in the step’s logs', async () => {
    const { execution, step } = await run('endless');
    expect(step).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
    const ranMs = Date.parse(step.finishedAt!) - Date.parse(step.startedAt!);
    expect(ranMs).toBeGreaterThanOrEqual(900);
    expect(ranMs).toBeLessThan(2_500);
    const { items: logs } = await cluster.client.getExecutionLogs(execution.id);
    expect(logs.map((l) => [l.level, l.message])).toContainEqual(['warn', expect.stringMatching(/2147483647 ms.*1000 ms/)]);
  });

  it('runs a script asking for 4 GiB of heap with the worker’s 32 MiB cap', async () => {
    const { execution, step } = await run('hungry');
    expect(step).toMatchObject({ status: 'failed', error: { code: 'MEMORY_LIMIT' } });
    const { items: logs } = await cluster.client.getExecutionLogs(execution.id);
    expect(logs.map((l) => [l.level, l.message])).toContainEqual(['warn', expect.stringMatching(/4096 MiB.*32 MiB/)]);
  });

  it('fails a script returning 15 MB with OUTPUT_TOO_LARGE', async () => {
    const { step, elapsedMs } = await run('huge');
    expect(step).toMatchObject({ status: 'failed', error: { code: 'OUTPUT_TOO_LARGE', details: { bytes: 15 * 1024 * 1024 + 2, limit: 1024 * 1024 } } });
    expect(elapsedMs).toBeLessThan(10_000);
  });

  it('fails a script returning a 5,000-deep object with OUTPUT_TOO_LARGE, with a result', async () => {
    const { step, elapsedMs } = await run('deep');
    // Refused inside the isolate (its stack cannot serialize it) or by the depth check after: the same code either way.
    expect(step).toMatchObject({ status: 'failed', workerId: 'limited', error: { code: 'OUTPUT_TOO_LARGE' } });
    expect(elapsedMs).toBeLessThan(10_000);
  });

  it('fails an http step whose server answers 100,000-deep JSON with OUTPUT_TOO_LARGE, with a result', async () => {
    const { step, elapsedMs } = await run('deep-http', { api: api.url });
    expect(step).toMatchObject({ status: 'failed', workerId: 'limited', error: { code: 'OUTPUT_TOO_LARGE', details: { maxDepth: 200 } } });
    expect(elapsedMs).toBeLessThan(10_000);
  });

  it('fails an http step whose 2 MiB JSON body is over the output limit with OUTPUT_TOO_LARGE', async () => {
    const { step } = await run('big-http', { api: api.url });
    expect(step).toMatchObject({ status: 'failed', error: { code: 'OUTPUT_TOO_LARGE', details: { limit: 1024 * 1024 } } });
    expect((step.error!.details as { bytes: number }).bytes).toBeGreaterThan(2 * 1024 * 1024);
  });

  it('is still up after all of it, and runs the next step', async () => {
    expect(await alive(worker)).toBe(true);
    const { step } = await run('quick');
    expect(step).toMatchObject({ status: 'succeeded', output: 42, workerId: 'limited' });
  });
});
