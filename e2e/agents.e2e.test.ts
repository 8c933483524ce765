import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { lastUserText, startFakeLlm, type FakeLlm, type FakeLlmDirective, type FakeLlmRequest } from '@agentic-flow/testing';
import { rejection } from './rejection.js';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * Agent steps on the real cluster against a local OpenAI-compatible (and Anthropic) stand-in: two
 * agent-task worker processes taking one job at a time, so a coordinator's subtasks spread over both.
 * Each test routes the model's replies by a marker in its goal.
 */
const text = (request: FakeLlmRequest) => request.messages.map((m) => ('content' in m ? (m.content ?? '') : '')).join('\n');
const toolResults = (request: FakeLlmRequest) => request.messages.filter((m) => m.role === 'tool');

function model(request: FakeLlmRequest): FakeLlmDirective {
  const all = text(request);
  if (all.includes('E2E-TOOL')) {
    const [result] = toolResults(request);
    if (!result) return { toolCalls: [{ name: 'run_script', arguments: { code: 'return results.fetch.items.reduce((sum, item) => sum + item.value, 0)' } }] };
    return { json: { total: (JSON.parse(result.content) as { value: number }).value } };
  }
  if (all.includes('E2E-COORD')) {
    if (all.includes('done:')) return { json: { summary: ['a', 'b', 'c'].map((x) => `done:${x}`).join(' ') } };
    const sub = /Goal: E2E-SUB (\w)/.exec(lastUserText(request) ?? '');
    if (sub) return { text: `done:${sub[1]}`, delayMs: 300 };
    return { json: { subtasks: ['a', 'b', 'c'].map((x) => ({ goal: `E2E-SUB ${x}` })) } };
  }
  if (all.includes('E2E-429')) return request.index === calls429.first ? { status: 429, retryAfter: 1 } : { text: 'recovered' };
  if (all.includes('E2E-BADJSON')) return { text: 'I think the total is about seventy-five' };
  if (all.includes('E2E-BUDGET')) return { text: 'expensive', usage: { inputTokens: 40, outputTokens: 30 } };
  if (all.includes('E2E-ANTHROPIC')) return { text: 'from claude' };
  if (all.includes('E2E-SLOW')) return { text: 'too late', delayMs: 10_000 };
  return { status: 500, body: `no route for: ${lastUserText(request)?.slice(0, 80)}` };
}
const calls429 = { first: -1 };

const wf = (id: string, steps: WorkflowDefinitionInput['steps'], extra: Partial<WorkflowDefinitionInput> = {}): WorkflowDefinitionInput => ({
  id,
  name: id,
  version: '1',
  steps,
  ...extra,
});
const agent = (id: string, config: Record<string, unknown>, next: string[] = []) =>
  ({ id, type: 'agent-task' as const, config: { timeout: 20_000, ...config }, next }) as WorkflowDefinitionInput['steps'][number];

describe('agent tasks on a real cluster', () => {
  let cluster: Cluster;
  let llm: FakeLlm;
  let data: DataServer;
  const run = async (definition: WorkflowDefinitionInput, options: { tokenBudget?: number } = {}) => {
    await cluster.client.createWorkflow(definition);
    const id = await cluster.client.executeWorkflow(definition.id, { api: data.url }, options);
    return cluster.client.waitForCompletion(id, { timeoutMs: 30_000 });
  };

  beforeAll(async () => {
    [llm, data] = await Promise.all([
      startFakeLlm((request) => {
        if (text(request).includes('E2E-429') && calls429.first === -1) calls429.first = request.index;
        return model(request);
      }),
      startDataServer(),
    ]);
    const agentEnv = {
      AGENT_BASE_URL: llm.url,
      OPENAI_API_KEY: 'sk-test',
      AGENT_MODEL: 'fake-gpt',
      ANTHROPIC_BASE_URL: llm.anthropicUrl,
      ANTHROPIC_API_KEY: 'ant-test',
      AGENT_PROVIDER_OPENAI_PRICE_INPUT: '1',
      AGENT_PROVIDER_OPENAI_PRICE_OUTPUT: '2',
      WORKER_CONCURRENCY: '1',
    };
    cluster = await startCluster([['http', 'script']], { worker: agentEnv });
    await cluster.addWorker(['agent-task'], { WORKER_ID: 'agent-1' });
    await cluster.addWorker(['agent-task'], { WORKER_ID: 'agent-2' });
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), llm?.close(), data?.close()]);
  });

  it('an executor agent calls a tool and returns output validated against its schema', async () => {
    const execution = await run(
      wf('agent-tool', [
        { id: 'fetch', type: 'http', config: { url: '{{ variables.api }}/data' }, next: ['analyze'] },
        agent(
          'analyze',
          {
            goal: 'E2E-TOOL: total the item values',
            capabilities: ['script'],
            outputSchema: { type: 'object', required: ['total'], properties: { total: { type: 'number' } } },
          },
          ['report'],
        ),
        { id: 'report', type: 'script', config: { script: 'return `total ${results.analyze.total}`' } },
      ]),
    );
    expect(execution.status).toBe('completed');
    expect(execution.results['analyze']).toEqual({ total: 75 });
    expect(execution.results['report']).toBe('total 75');
    const step = execution.steps.find((s) => s.stepId === 'analyze')!;
    expect(step.agent).toMatchObject({ provider: 'openai', model: 'fake-gpt', usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) } });
    expect(step.agent!.usage.costUsd).toBeGreaterThan(0);
    expect(execution.usage).toMatchObject({ inputTokens: step.agent!.usage.inputTokens, outputTokens: step.agent!.usage.outputTokens, tokenBudget: null });

    const [transcript] = (await cluster.client.getTranscripts(execution.id, { stepRunId: step.id })).items;
    expect(transcript!.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
    expect(transcript!.messages[2]).toMatchObject({ toolCalls: [{ name: 'run_script' }] });
    expect(transcript!.messages[3]).toMatchObject({ role: 'tool', name: 'run_script', content: expect.stringContaining('75') });
    expect(transcript).toMatchObject({ stepId: 'analyze', status: 'succeeded', provider: 'openai', model: 'fake-gpt' });
    // The key went to the provider, never into what we store.
    expect(llm.requests.some((r) => r.headers.authorization === 'Bearer sk-test')).toBe(true);
    expect(JSON.stringify(transcript)).not.toContain('sk-test');
    expect(await rejection(cluster.client.getTranscripts(execution.id, { stepRunId: 'nope' }))).toMatchObject({
      status: 400,
      problems: [{ path: '$.query.stepRunId' }],
    });
  });

  it('a coordinator agent plans three subtasks that run on both agent workers, then synthesizes them', async () => {
    const execution = await run(
      wf('agent-coordinator', [agent('research', { agentType: 'coordinator', goal: 'E2E-COORD: research three things', maxSubtasks: 3 })]),
    );
    expect(execution.status).toBe('completed');
    expect(execution.results['research']).toEqual({ summary: 'done:a done:b done:c' });
    const runs = execution.steps.filter((s) => s.stepId === 'research');
    const plan = runs.find((s) => s.instanceKey === 'research')!;
    expect(plan.output).toEqual({ plan: { subtasks: [{ goal: 'E2E-SUB a' }, { goal: 'E2E-SUB b' }, { goal: 'E2E-SUB c' }] } });
    const subtasks = runs.filter((s) => s.instanceKey.startsWith('research~sub/')).sort((a, b) => a.instanceKey.localeCompare(b.instanceKey));
    expect(subtasks.map((s) => [s.instanceKey, s.status, s.output])).toEqual([
      ['research~sub/0', 'succeeded', 'done:a'],
      ['research~sub/1', 'succeeded', 'done:b'],
      ['research~sub/2', 'succeeded', 'done:c'],
    ]);
    expect(new Set(subtasks.map((s) => s.workerId))).toEqual(new Set(['agent-1', 'agent-2']));
    expect(runs.find((s) => s.instanceKey === 'research~syn')).toMatchObject({ status: 'succeeded', output: { summary: 'done:a done:b done:c' } });
    const total = runs.reduce((sum, s) => sum + (s.agent?.usage.inputTokens ?? 0) + (s.agent?.usage.outputTokens ?? 0), 0);
    expect(execution.usage.totalTokens).toBe(total);
    expect((await cluster.client.getTranscripts(execution.id)).items.map((t) => t.instanceKey).sort()).toEqual([
      'research',
      'research~sub/0',
      'research~sub/1',
      'research~sub/2',
      'research~syn',
    ]);
  });

  it('retries a 429 after its Retry-After and succeeds', async () => {
    const execution = await run(wf('agent-429', [agent('ask', { goal: 'E2E-429 please answer' })]));
    expect(execution.status).toBe('completed');
    expect(execution.results['ask']).toBe('recovered');
    const attempts = llm.requests.filter((r) => text(r).includes('E2E-429'));
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.receivedAt - attempts[0]!.receivedAt).toBeGreaterThanOrEqual(1000);
  });

  it('fails malformed model output with a clear AGENT_OUTPUT error after one correction', async () => {
    const execution = await run(
      wf('agent-bad-output', [agent('extract', { goal: 'E2E-BADJSON extract the total', outputSchema: { type: 'object', required: ['total'] } })]),
    );
    expect(execution.status).toBe('failed');
    const step = execution.steps.find((s) => s.stepId === 'extract')!;
    expect(step.error).toMatchObject({
      code: 'AGENT_OUTPUT',
      message: expect.stringMatching(/JSON/),
      details: { answer: 'I think the total is about seventy-five' },
    });
    expect(execution.error).toMatchObject({ code: 'AGENT_OUTPUT', stepId: 'extract' });
    const [transcript] = (await cluster.client.getTranscripts(execution.id)).items;
    // The rejected answer, the correction, the second rejected answer.
    expect(transcript!.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant']);
  });

  it('fails the step that crosses the execution’s token budget with AGENT_BUDGET, and the next one at once', async () => {
    const definition = wf('agent-budget', [agent('first', { goal: 'E2E-BUDGET one' }, ['second']), agent('second', { goal: 'E2E-BUDGET two' })], {
      tokenBudget: 1000,
    });
    const generous = await run(definition);
    expect(generous).toMatchObject({ status: 'completed', usage: { totalTokens: 140, tokenBudget: 1000 } });
    const execution = await run(definition, { tokenBudget: 100 });
    expect(execution.status).toBe('failed');
    expect(execution.usage).toMatchObject({ totalTokens: 140, tokenBudget: 100 });
    expect(execution.steps.find((s) => s.stepId === 'first')).toMatchObject({ status: 'succeeded' });
    expect(execution.steps.find((s) => s.stepId === 'second')).toMatchObject({
      status: 'failed',
      error: { code: 'AGENT_BUDGET', details: { budget: 30, used: 70 } },
    });
    const none = await run(definition, { tokenBudget: 70 });
    expect(none.steps.find((s) => s.stepId === 'second')).toMatchObject({ status: 'failed', error: { code: 'AGENT_BUDGET' }, agent: null, workerId: null });
    expect(await rejection(cluster.client.executeWorkflow('agent-budget', {}, { tokenBudget: 0 }))).toMatchObject({
      status: 400,
      problems: [{ path: '$.body.tokenBudget' }],
    });
  });

  it('fails a model that answers too slowly at the step timeout, with what it spent recorded', async () => {
    const started = Date.now();
    const execution = await run(wf('agent-slow', [agent('ask', { goal: 'E2E-SLOW think hard', timeout: 1000 })]));
    expect(Date.now() - started).toBeLessThan(8000);
    expect(execution.status).toBe('failed');
    expect(execution.steps[0]).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' }, agent: { provider: 'openai' } });
  });

  it('uses an Anthropic provider when the step names it', async () => {
    const execution = await run(wf('agent-anthropic', [agent('ask', { goal: 'E2E-ANTHROPIC say hi', provider: 'anthropic', model: 'claude-test' })]));
    expect(execution.status).toBe('completed');
    expect(execution.results['ask']).toBe('from claude');
    expect(execution.steps[0]!.agent).toMatchObject({ provider: 'anthropic', model: 'claude-test' });
    const request = llm.requests.find((r) => text(r).includes('E2E-ANTHROPIC'))!;
    expect(request).toMatchObject({ api: 'anthropic', model: 'claude-test' });
    expect(request.headers['x-api-key']).toBe('ant-test');
  });
});
