import { access } from 'node:fs/promises';
import { createRedisConnection, StepQueues, stepQueueName } from '@agentic-flow/queue';
import type { WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { startFakeLlm, type AppProcess, type FakeLlm, type FakeLlmRequest } from '@agentic-flow/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';

/**
 * Poison input cannot take the cluster down: a script that makes V8 abort kills only the sandbox
 * process running it (its step fails SANDBOX_CRASHED, directly or through an agent's run_script
 * tool), the worker serves on, and a step that crashes its sandbox every time is quarantined as
 * POISON after three crashes, in the dead letter queue.
 */

/** Grows one object property by property: V8 aborts the process instead of failing the isolate. */
const MEMORY_BOMB = "const o = {};\nfor (let i = 0; ; i++) o['k' + i] = i;";

/** True while the process exists (a dead child is reaped by its parent, the test, at once). */
const alive = (worker: AppProcess): Promise<boolean> =>
  access(`/proc/${worker.pid}`).then(
    () => true,
    () => false,
  );

const wf = (id: string, steps: WorkflowDefinitionInput['steps']): WorkflowDefinitionInput => ({ id, name: id, version: '1', steps });

const toolResults = (request: FakeLlmRequest) => request.messages.filter((m) => m.role === 'tool');

describe('poison input cannot take the cluster down', () => {
  let cluster: Cluster;
  let llm: FakeLlm;
  let redis: Redis;
  let queues: StepQueues;
  let scripts: AppProcess;
  let exited: string | number | undefined;

  beforeAll(async () => {
    llm = await startFakeLlm((request) => {
      const [result] = toolResults(request);
      // First the bomb through the tool, then an answer saying what the tool reported.
      if (!result) return { toolCalls: [{ name: 'run_script', arguments: { code: MEMORY_BOMB } }] };
      return { json: { toolFailed: result.content.includes('SANDBOX_CRASHED') } };
    });
    cluster = await startCluster([]);
    scripts = await cluster.addWorker(['script'], { WORKER_CONCURRENCY: '2', WORKER_ID: 'scripts' });
    void scripts.exited.then((code) => (exited = code));
    redis = createRedisConnection(cluster.redisUrl, { role: 'producer' });
    queues = new StepQueues({ connection: redis, prefix: cluster.prefix });
    await cluster.client.createWorkflow(wf('bomb', [{ id: 'bomb', type: 'script', config: { script: MEMORY_BOMB, memoryLimit: 16, timeout: 60_000 } }]));
    await cluster.client.createWorkflow(wf('quick', [{ id: 'quick', type: 'script', config: { script: 'return 42;' } }]));
    await cluster.client.createWorkflow(
      wf('poison', [
        {
          id: 'bomb',
          type: 'script',
          config: { script: MEMORY_BOMB, memoryLimit: 16, timeout: 60_000 },
          onError: { type: 'retry', maxAttempts: 5, retryDelay: 10 },
        },
      ]),
    );
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await Promise.all([cluster?.stop(), llm?.close()]);
  });

  it('fails a script that makes V8 abort with SANDBOX_CRASHED; the worker lives and runs the next execution at once', async () => {
    const id = await cluster.client.executeWorkflow('bomb', {});
    const execution = await cluster.client.waitForCompletion(id, { timeoutMs: 60_000 });
    expect(execution.status).toBe('failed');
    expect(execution.steps[0]).toMatchObject({
      status: 'failed',
      workerId: 'scripts',
      error: { code: 'SANDBOX_CRASHED', details: { signal: 'SIGABRT', reason: 'out of memory' } },
    });
    expect(await alive(scripts)).toBe(true);
    expect(exited).toBeUndefined();

    const started = Date.now();
    const quick = await cluster.client.waitForCompletion(await cluster.client.executeWorkflow('quick', {}), { timeoutMs: 10_000, pollIntervalMs: 20 });
    expect(quick).toMatchObject({ status: 'completed', results: { quick: 42 } });
    expect(quick.steps[0]!.workerId).toBe('scripts');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('quarantines a step that crashes its sandbox every time as POISON after exactly 3 crashes, and dead-letters it', async () => {
    const id = await cluster.client.executeWorkflow('poison', {});
    const execution = await cluster.client.waitForCompletion(id, { timeoutMs: 90_000 });
    expect(execution.status).toBe('failed');
    const [run] = execution.steps;
    expect(execution.steps).toHaveLength(1);
    expect(run).toMatchObject({ status: 'failed', error: { code: 'POISON', details: { crashes: 3 } } });
    expect(execution.error).toMatchObject({ code: 'POISON', stepId: 'bomb' });

    // Three crashes, counted durably; the job stopped there although its strategy allowed five attempts.
    expect(await redis.get(`${cluster.prefix}:sandbox-crashes:${run!.id}`)).toBe('3');
    const job = await queues.queue(stepQueueName('script')).getJob(run!.id);
    expect(job?.attemptsMade).toBe(3);
    expect(await job?.getState()).toBe('failed');

    const letters = await cluster.client.errorHandler.getDeadLetterQueue({ limit: 100 });
    expect(letters.items.find((l) => l.jobId === run!.id)).toMatchObject({
      executionId: id,
      stepId: 'bomb',
      stepType: 'script',
      failedReason: expect.stringMatching(/^POISON: /),
    });

    expect(await alive(scripts)).toBe(true);
    expect(exited).toBeUndefined();
    const quick = await cluster.client.waitForCompletion(await cluster.client.executeWorkflow('quick', {}), { timeoutMs: 10_000 });
    expect(quick.status).toBe('completed');
  });

  it('contains the same script run by an agent’s run_script tool: the tool fails, the agent worker lives', async () => {
    const agents = await cluster.addWorker(['agent-task'], {
      WORKER_ID: 'agents',
      AGENT_BASE_URL: llm.url,
      OPENAI_API_KEY: 'sk-test',
      AGENT_MODEL: 'fake-gpt',
    });
    await cluster.client.createWorkflow(
      wf('agent-bomb', [
        {
          id: 'ask',
          type: 'agent-task',
          config: { goal: 'E2E-BOMB: run the script', capabilities: ['script'], timeout: 60_000, outputSchema: { type: 'object', required: ['toolFailed'] } },
        },
      ]),
    );
    const first = await cluster.client.waitForCompletion(await cluster.client.executeWorkflow('agent-bomb', {}), { timeoutMs: 60_000 });
    expect(first).toMatchObject({ status: 'completed', results: { ask: { toolFailed: true } } });
    const [transcript] = (await cluster.client.getTranscripts(first.id)).items;
    expect(transcript!.messages.find((m) => m.role === 'tool')).toMatchObject({ name: 'run_script', content: expect.stringContaining('SANDBOX_CRASHED') });
    expect(await alive(agents)).toBe(true);

    // The agent worker serves on: the next agent step (another crash, so the same answer) runs on it.
    const second = await cluster.client.waitForCompletion(await cluster.client.executeWorkflow('agent-bomb', {}), { timeoutMs: 60_000 });
    expect(second).toMatchObject({ status: 'completed', results: { ask: { toolFailed: true } } });
    expect(second.steps[0]!.workerId).toBe('agents');
    expect(await alive(agents)).toBe(true);
  });
});
