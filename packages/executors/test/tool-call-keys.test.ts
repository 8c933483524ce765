import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ToolRegistry,
  createAgentExecutor,
  createHttpTool,
  createScriptTool,
  egressPolicyFrom,
  idempotencyKeyOf,
  toolCallIdempotencyKeyOf,
} from '@agentic-flow/executors';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ToolCallKeys } from '../src/agent/tools/tool-call-keys.js';
import { agentJob, call, registryOf, scriptedProvider, testRuntime, type ScriptedReply } from './agent-scripted-provider.js';

/**
 * The Idempotency-Key of agent tool calls, through the agent executor, the real http tool over a
 * local server and the real script tool in isolated-vm. Only the model is scripted.
 */

let server: Server;
let base: string;
/** Each request the server saw: its path and the Idempotency-Key it carried. */
const received: { path: string; key: string | undefined }[] = [];
const tools = new ToolRegistry()
  .register('http', createHttpTool({ executorOptions: { egress: egressPolicyFrom('127.0.0.1') } }))
  .register('script', createScriptTool());

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push({ path: req.url ?? '', key: req.headers['idempotency-key'] as string | undefined });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await tools.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  received.length = 0;
});

/** One agent run: two requests, then a script, a request with the model's own key and one more; then the answer. Tool call ids carry `tag`. */
function plan(tag: string): ScriptedReply[] {
  return [
    {
      toolCalls: [
        call('http_request', { method: 'POST', url: `${base}/charge/1` }, `${tag}-a`),
        call('http_request', { method: 'POST', url: `${base}/charge/2` }, `${tag}-b`),
      ],
    },
    {
      toolCalls: [
        call('run_script', { code: 'return idempotencyKey;' }, `${tag}-c`),
        call('http_request', { method: 'POST', url: `${base}/charge/3`, headers: { 'Idempotency-Key': 'the-models-own' } }, `${tag}-d`),
        call('http_request', { method: 'POST', url: `${base}/charge/4` }, `${tag}-e`),
      ],
    },
    { text: 'charged four times' },
  ];
}

async function runAgent(tag: string, overrides: Parameters<typeof agentJob>[1] = {}) {
  const provider = scriptedProvider(plan(tag));
  const executor = createAgentExecutor({ providers: registryOf(provider), tools });
  const outcome = await executor.execute(agentJob({ goal: 'Charge the customer four times', capabilities: ['http', 'script'] }, overrides), testRuntime());
  expect(outcome).toMatchObject({ ok: true, output: 'charged four times' });
  const scriptResult = provider.requests.at(-1)!.messages.find((m) => m.role === 'tool' && m.toolCallId === `${tag}-c`);
  return { keys: received.splice(0).map((r) => `${r.path} ${r.key}`), scriptValue: (JSON.parse(scriptResult!.content as string) as { value: unknown }).value };
}

describe('agent tool calls carry an Idempotency-Key', () => {
  const stepKey = idempotencyKeyOf({ executionId: 'exec-1', instanceKey: 'agent', attempt: 1 });
  const httpKey = (n: number) => toolCallIdempotencyKeyOf(stepKey, 'http_request', n);

  it("one per call, from the step attempt's key and the call's ordinal; a header the model passes wins", async () => {
    const { keys, scriptValue } = await runAgent('first', { idempotencyKey: stepKey });
    expect(keys).toEqual([`/charge/1 ${httpKey(1)}`, `/charge/2 ${httpKey(2)}`, '/charge/3 the-models-own', `/charge/4 ${httpKey(4)}`]);
    expect(new Set([stepKey, httpKey(1), httpKey(2), httpKey(4)]).size).toBe(4);
    // run_script's scope holds its own call's key.
    expect(scriptValue).toBe(toolCallIdempotencyKeyOf(stepKey, 'run_script', 1));
    expect(httpKey(1)).toMatch(/^af1_[A-Za-z0-9_-]{43}$/);
  });

  it('the same keys when the step runs again and the model makes the same calls, whatever ids it gives them', async () => {
    const first = await runAgent('first', { idempotencyKey: stepKey });
    const again = await runAgent('rerun', { idempotencyKey: stepKey });
    expect(again).toEqual(first);
    // A new attempt of the step (a resume) is a new side effect: new keys.
    const nextAttempt = await runAgent('first', { attempt: 2, idempotencyKey: idempotencyKeyOf({ executionId: 'exec-1', instanceKey: 'agent', attempt: 2 }) });
    expect(nextAttempt.keys.filter((line) => first.keys.includes(line))).toEqual(['/charge/3 the-models-own']);
  });

  it('none when the step has no key', async () => {
    const { keys, scriptValue } = await runAgent('keyless');
    expect(keys).toEqual(['/charge/1 undefined', '/charge/2 undefined', '/charge/3 the-models-own', '/charge/4 undefined']);
    expect(scriptValue).toBeNull();
  });
});

describe('ToolCallKeys', () => {
  it('counts each tool on its own', () => {
    const keys = new ToolCallKeys('af1_step');
    expect([keys.next('http_request'), keys.next('run_script'), keys.next('http_request')]).toEqual([
      toolCallIdempotencyKeyOf('af1_step', 'http_request', 1),
      toolCallIdempotencyKeyOf('af1_step', 'run_script', 1),
      toolCallIdempotencyKeyOf('af1_step', 'http_request', 2),
    ]);
    expect(new ToolCallKeys(undefined).next('http_request')).toBeUndefined();
  });
});
