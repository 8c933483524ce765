import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { startFakeLlm, type FakeLlm } from '@agentic-flow/testing';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * One retry owner per step run, on a real cluster: a target that always answers 503 counts what
 * each execution sends it. A step whose strategy is `retry` (its `onError`, or one registered for
 * it) is tried `maxAttempts` times, one request each; a step without one applies its own
 * `retries`. The layers used to multiply: `retries: 3` under `maxAttempts: 3` sent 12 requests.
 */

type Step = WorkflowDefinitionInput['steps'][number];
const wf = (id: string, steps: Step[]): WorkflowDefinitionInput => ({ id, name: id, version: '1', steps });
/** An http step with retries of its own, aimed at a path of the test's own. */
const down = (path: string, extra: Partial<Step> = {}): Step =>
  ({ id: 'call', type: 'http', config: { url: `{{ variables.api }}/down/${path}`, retries: 3, retryDelay: 10 }, ...extra }) as Step;
const agent = (goal: string, extra: Partial<Step> = {}): Step => ({ id: 'ask', type: 'agent-task', config: { goal, timeout: 30_000 }, ...extra }) as Step;
const retryStrategy = (maxAttempts: number) => ({ type: 'retry' as const, maxAttempts, retryDelay: 10, jitter: false });

describe('retry layers never multiply (a real cluster)', () => {
  let cluster: Cluster;
  let api: DataServer;
  let llm: FakeLlm;
  const hits = new Map<string, number>();

  const run = async (definition: WorkflowDefinitionInput) => {
    await cluster.client.createWorkflow(definition);
    const id = await cluster.client.executeWorkflow(definition.id, { api: api.url });
    return cluster.client.waitForCompletion(id, { timeoutMs: 30_000 });
  };
  const modelCalls = (marker: string) => llm.requests.filter((r) => r.messages.some((m) => m.role === 'user' && m.content.includes(marker))).length;

  beforeAll(async () => {
    [api, llm] = await Promise.all([
      startDataServer((req, res) => {
        if (!req.url?.startsWith('/down/')) return false;
        hits.set(req.url, (hits.get(req.url) ?? 0) + 1);
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('unavailable');
        return true;
      }),
      startFakeLlm(() => ({ status: 503 })),
    ]);
    cluster = await startCluster([['http', 'agent-task']], {
      worker: {
        // Every test fails the same host on purpose: the breaker would turn later requests into CIRCUIT_OPEN.
        CIRCUIT_FAILURE_THRESHOLD: '1000',
        AGENT_BASE_URL: llm.url,
        OPENAI_API_KEY: 'sk-test',
        AGENT_MODEL: 'fake-gpt',
        AGENT_MAX_RETRIES: '3',
      },
    });
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close(), llm?.close()]);
  });

  it('an http step with retries: 3 under onError retry, maxAttempts: 3, sends 3 requests', async () => {
    const execution = await run(wf('owner-onerror', [down('onerror', { onError: retryStrategy(3) })]));
    expect(execution.status).toBe('failed');
    expect(execution.steps).toMatchObject([{ stepId: 'call', status: 'failed', error: { code: 'HTTP_STATUS', details: { status: 503, attempts: 1 } } }]);
    expect(hits.get('/down/onerror')).toBe(3);
  });

  it('the same step under a retry strategy registered for it sends maxAttempts requests', async () => {
    const definition = wf('owner-registered', [down('registered')]);
    await cluster.client.createWorkflow(definition);
    await cluster.client.errorHandler.registerRecoveryStrategy({ workflowId: definition.id, stepId: 'call' }, retryStrategy(2));
    const execution = await run(definition);
    expect(execution.status).toBe('failed');
    expect(hits.get('/down/registered')).toBe(2);
  });

  it('the same step without a strategy retries on its own: 4 requests', async () => {
    const execution = await run(wf('owner-step', [down('own')]));
    expect(execution.status).toBe('failed');
    expect(execution.steps).toMatchObject([{ status: 'failed', error: { code: 'HTTP_STATUS', details: { status: 503, attempts: 4 } } }]);
    expect(hits.get('/down/own')).toBe(4);
  });

  it('an agent step under onError retry, maxAttempts: 2, calls its failing model twice; without a strategy AGENT_MAX_RETRIES + 1 times', async () => {
    const underStrategy = await run(wf('owner-agent-strategy', [agent('E2E-OWNER-STRATEGY', { onError: retryStrategy(2) })]));
    expect(underStrategy.status).toBe('failed');
    expect(underStrategy.error).toMatchObject({ code: 'AGENT_PROVIDER' });
    expect(modelCalls('E2E-OWNER-STRATEGY')).toBe(2);

    const own = await run(wf('owner-agent-own', [agent('E2E-OWNER-OWN')]));
    expect(own.status).toBe('failed');
    expect(modelCalls('E2E-OWNER-OWN')).toBe(4);
  });
});
