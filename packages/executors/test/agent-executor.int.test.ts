import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ProviderRegistry,
  ToolRegistry,
  createAgentExecutor,
  createAnthropicProvider,
  createHttpTool,
  createOpenAiCompatibleProvider,
  createScriptTool,
  egressPolicyFrom,
  type ChatProvider,
  type StepExecutor,
} from '@agentic-flow/executors';
import type { AgentJobConfig } from '@agentic-flow/spec';
import { lastUserText, mentions, scripted, startFakeLlm, type FakeLlm, type FakeLlmDirective } from '@agentic-flow/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentJob, testRuntime } from './agent-scripted-provider.js';
import { requestsCreatedInScope } from './request-scope.js';

/**
 * The agent executor end to end on real sockets: the OpenAI-compatible (and Anthropic) provider
 * against the fake LLM server, the `http` tool against a local HTTP server, the `script` tool in
 * the real isolated-vm sandbox.
 */

let shop: Server;
let shopUrl: string;
const shopHits: string[] = [];
// The shop is a local server: the http tool's egress policy opens 127.0.0.1 for it explicitly.
const tools = new ToolRegistry()
  .register('http', createHttpTool({ executorOptions: { egress: egressPolicyFrom('127.0.0.1') } }))
  .register('script', createScriptTool());

beforeAll(async () => {
  shop = createServer((req, res) => {
    shopHits.push(`${req.method} ${req.url}`);
    if (req.url === '/orders') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          orders: [
            { id: 1, total: 30 },
            { id: 2, total: 12 },
          ],
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('no such page');
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await tools.close();
  await new Promise<void>((resolve) => shop.close(() => resolve()));
});

let llms: FakeLlm[] = [];
let providers: ChatProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.map((p) => p.close?.()));
  await Promise.all(llms.map((l) => l.close()));
  llms = [];
  providers = [];
});

async function agentOn(
  replies: FakeLlmDirective[],
  kind: 'openai' | 'anthropic' = 'openai',
): Promise<{ llm: FakeLlm; executor: StepExecutor<AgentJobConfig> }> {
  const llm = await startFakeLlm(scripted([{ when: () => true, replies }]));
  llms.push(llm);
  const provider =
    kind === 'openai'
      ? createOpenAiCompatibleProvider({
          name: 'local',
          baseUrl: llm.url,
          apiKey: 'sk-int-test',
          model: 'fake-gpt',
          retryDelayMs: 5,
          maxRetries: 2,
          prices: { inputPerMTok: 1, outputPerMTok: 2 },
        })
      : createAnthropicProvider({ name: 'local', baseUrl: llm.anthropicUrl, apiKey: 'sk-int-test', model: 'fake-claude', retryDelayMs: 5, maxRetries: 2 });
  providers.push(provider);
  return { llm, executor: createAgentExecutor({ providers: new ProviderRegistry([provider], 'local'), tools }) };
}

const REPORT_SCHEMA = {
  type: 'object',
  properties: { orders: { type: 'integer' }, total: { type: 'number' }, currency: { type: 'string' } },
  required: ['orders', 'total', 'currency'],
  additionalProperties: false,
};

describe('agent executor over real providers and tools', () => {
  it('fetches over http, computes in the sandbox, fixes its answer after a schema violation, and records it all', async () => {
    const { llm, executor } = await agentOn([
      { toolCalls: [{ name: 'http_request', arguments: { url: `${shopUrl}/orders` } }], usage: { inputTokens: 400, outputTokens: 30 } },
      {
        toolCalls: [{ name: 'run_script', arguments: { code: 'return { total: [30, 12].reduce((a, b) => a + b, 0), currency: variables.currency };' } }],
        usage: { inputTokens: 500, outputTokens: 40 },
      },
      { json: { orders: 2, total: 42 }, usage: { inputTokens: 600, outputTokens: 10 } },
      { json: { orders: 2, total: 42, currency: 'EUR' }, usage: { inputTokens: 700, outputTokens: 12 } },
    ]);
    const rt = testRuntime();
    const outcome = await executor.execute(
      agentJob({ goal: 'Report the order count and total', capabilities: ['http', 'script'], outputSchema: REPORT_SCHEMA }),
      rt,
    );

    expect(outcome).toMatchObject({ ok: true, output: { orders: 2, total: 42, currency: 'EUR' } });
    expect(llm.problems).toEqual([]);
    expect(shopHits).toContain('GET /orders');

    const [first, second, third, fourth] = llm.requests;
    expect(first!.tools.map((t) => t.name)).toEqual(['http_request', 'run_script']);
    expect(first!.model).toBe('fake-gpt');
    // No JSON mode while tools are offered: the schema in the prompt and the check do the work.
    expect(first!.json).toBe(false);
    // The http tool's result (status and parsed body) went back on the wire.
    const httpResult = second!.messages.find((m) => m.role === 'tool');
    expect(JSON.parse(httpResult!.content)).toMatchObject({
      status: 200,
      body: {
        orders: [
          { id: 1, total: 30 },
          { id: 2, total: 12 },
        ],
      },
    });
    const scriptResult = third!.messages.filter((m) => m.role === 'tool').at(-1);
    expect(JSON.parse(scriptResult!.content)).toEqual({ value: { total: 42, currency: 'EUR' } });
    expect(lastUserText(fourth!)).toContain("- $: must have required property 'currency'");

    const agent = outcome.agent!;
    expect(agent.provider).toBe('local');
    expect(agent.model).toBe('fake-gpt');
    expect(agent.usage).toEqual({ inputTokens: 2200, outputTokens: 92, costUsd: 0.002384 });
    expect(agent.transcript.map((e) => e.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'tool', 'assistant', 'user', 'assistant']);
    expect(rt.logs.filter(([level, m]) => level === 'info' && m.startsWith('agent call'))).toHaveLength(4);
  });

  it('gives the model a 404 as a result and malformed tool arguments as an error it can recover from', async () => {
    const { llm, executor } = await agentOn([
      {
        toolCalls: [
          { name: 'http_request', arguments: { url: `${shopUrl}/missing` } },
          { name: 'run_script', arguments: '{"code": "return 1' },
        ],
      },
      { text: 'The page does not exist.' },
    ]);
    const outcome = await executor.execute(agentJob({ goal: 'Look it up', capabilities: ['http', 'script'] }), testRuntime());
    expect(outcome).toMatchObject({ ok: true, output: 'The page does not exist.' });
    const results = llm.requests[1]!.messages.filter((m) => m.role === 'tool');
    expect(JSON.parse(results[0]!.content)).toMatchObject({ status: 404, body: 'no such page' });
    expect(results[1]!.content).toMatch(/^the arguments of "run_script" are not valid JSON/);
  });

  it('rides out a 429 inside the provider and counts only the answered call', async () => {
    const { llm, executor } = await agentOn([
      { status: 429, retryAfter: 0 },
      { text: 'done', usage: { inputTokens: 100, outputTokens: 5 } },
    ]);
    const outcome = await executor.execute(agentJob({ goal: 'Say done' }), testRuntime());
    expect(outcome).toMatchObject({ ok: true, output: 'done', agent: { usage: { inputTokens: 100, outputTokens: 5 } } });
    expect(llm.requests).toHaveLength(2);
    expect(outcome.agent!.transcript.filter((e) => e.role === 'assistant')).toHaveLength(1);
  });

  it("sends every model request, retries included, inside the step's trace scope (runtime.inTrace)", async () => {
    const { llm, executor } = await agentOn([{ status: 429, retryAfter: 0 }, { text: 'done' }]);
    const { result, inScope } = await requestsCreatedInScope((inTrace) => executor.execute(agentJob({ goal: 'Say done' }), { ...testRuntime(), inTrace }));
    expect(result).toMatchObject({ ok: true, output: 'done' });
    expect(llm.requests).toHaveLength(2);
    expect(inScope).toEqual([true, true]);
  });

  it('fails with AGENT_PROVIDER and the status when the provider keeps failing', async () => {
    const { executor } = await agentOn([{ status: 503 }, { status: 503 }, { status: 503 }]);
    const outcome = await executor.execute(agentJob({ goal: 'Say done' }), testRuntime());
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 'AGENT_PROVIDER', details: { provider: 'local', status: 503, attempts: 3 } },
      agent: { provider: 'local' },
    });
    expect(JSON.stringify(outcome)).not.toContain('sk-int-test');
  });

  it("makes each model call once when the step's retry strategy owns retrying", async () => {
    const { llm, executor } = await agentOn([{ status: 503 }, { text: 'done' }]);
    const outcome = await executor.execute(agentJob({ goal: 'Say done' }, { retryOwner: 'strategy' }), testRuntime());
    // The strategy runs the step again; the provider's own retries (maxRetries: 2) are not added.
    expect(outcome).toMatchObject({ ok: false, error: { code: 'AGENT_PROVIDER', details: { status: 503, attempts: 1 } } });
    expect(llm.requests).toHaveLength(1);
  });

  it('times out a slow provider with TIMEOUT', async () => {
    const { executor } = await agentOn([{ text: 'late', delayMs: 5_000 }]);
    const started = Date.now();
    const outcome = await executor.execute(agentJob({ goal: 'Be slow', timeout: 200 }), testRuntime());
    expect(outcome).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('runs a coordinator plan and an executor subtask through the Anthropic provider', async () => {
    const llm = await startFakeLlm(
      scripted([
        { when: mentions('Plan now'), replies: [{ json: { subtasks: [{ goal: 'Count the orders [sub]', capabilities: ['script'] }] } }] },
        { when: mentions('[sub]'), replies: [{ toolCalls: [{ name: 'run_script', arguments: { code: 'return 2' } }] }, { text: '2 orders' }] },
      ]),
    );
    llms.push(llm);
    const provider = createAnthropicProvider({ name: 'claude', baseUrl: llm.anthropicUrl, apiKey: 'sk-ant', model: 'fake-claude', retryDelayMs: 5 });
    providers.push(provider);
    const executor = createAgentExecutor({ providers: new ProviderRegistry([provider], 'claude'), tools });

    const plan = await executor.execute(agentJob({ agentType: 'coordinator', goal: 'Audit orders', capabilities: ['script'], phase: 'plan' }), testRuntime());
    expect(plan).toMatchObject({ ok: true, output: { plan: { subtasks: [{ goal: 'Count the orders [sub]', capabilities: ['script'] }] } } });
    const sub = await executor.execute(agentJob({ goal: 'Count the orders [sub]', capabilities: ['script'], parentGoal: 'Audit orders' }), testRuntime());
    expect(sub).toMatchObject({ ok: true, output: '2 orders', agent: { provider: 'claude', model: 'fake-claude' } });
    expect(llm.problems).toEqual([]);
    expect(llm.requests.every((r) => r.api === 'anthropic')).toBe(true);
  });
});
