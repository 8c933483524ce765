import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { scripted, startFakeLlm, type FakeLlm, type FakeLlmDirective, type FakeLlmReplyFn } from '@agentic-flow/testing';
import { ProviderError, type ChatMessage, type ChatProvider, type ToolSpec } from '../src/agent/provider.js';
import { ANTHROPIC_JSON_INSTRUCTION } from '../src/agent/providers/anthropic-messages.js';
import { createAnthropicProvider, type AnthropicProviderOptions } from '../src/agent/providers/anthropic.js';
import { createOpenAiCompatibleProvider } from '../src/agent/providers/openai-compatible.js';
import type { ProviderOptions } from '../src/agent/providers/provider-options.js';

// Real HTTP against the fake LLM server on 127.0.0.1: both wire formats, retries, aborts, errors.

const API_KEY = 'sk-test-0123456789-very-secret';
const WEATHER: ToolSpec = {
  name: 'get_weather',
  description: 'Current weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

let fakes: FakeLlm[] = [];
let providers: ChatProvider[] = [];

afterEach(async () => {
  await Promise.all(providers.map((p) => p.close?.()));
  await Promise.all(fakes.map((f) => f.close()));
  providers = [];
  fakes = [];
});

async function fake(reply: FakeLlmReplyFn | FakeLlmDirective[]): Promise<FakeLlm> {
  const llm = await startFakeLlm(Array.isArray(reply) ? scripted([{ when: () => true, replies: reply }]) : reply);
  fakes.push(llm);
  return llm;
}

function openai(llm: FakeLlm, options: Partial<ProviderOptions> = {}): ChatProvider {
  const provider = createOpenAiCompatibleProvider({ baseUrl: llm.url, apiKey: API_KEY, model: 'gpt-test', retryDelayMs: 5, ...options });
  providers.push(provider);
  return provider;
}

function anthropic(llm: FakeLlm, options: Partial<AnthropicProviderOptions> = {}): ChatProvider {
  const provider = createAnthropicProvider({ baseUrl: llm.anthropicUrl, apiKey: API_KEY, model: 'claude-test', retryDelayMs: 5, ...options });
  providers.push(provider);
  return provider;
}

const signal = () => AbortSignal.timeout(10_000);
const ask = (content: string): ChatMessage[] => [{ role: 'user', content }];

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('OpenAI-compatible provider', () => {
  it('answers text, sends the key as a Bearer token and maps the request fields', async () => {
    const llm = await fake([{ text: 'Hello there' }]);
    const provider = openai(llm);
    const answer = await provider.chat({
      messages: [{ role: 'system', content: 'Be brief.' }, ...ask('Hi')],
      json: true,
      maxTokens: 50,
      signal: signal(),
    });

    expect(answer).toMatchObject({ message: { content: 'Hello there', toolCalls: [] }, finishReason: 'stop', model: 'gpt-test' });
    expect(provider).toMatchObject({ name: 'openai', kind: 'openai', defaultModel: 'gpt-test', baseUrl: llm.url });
    const [call] = llm.requests;
    expect(call?.path).toBe('/v1/chat/completions');
    expect(call?.headers['authorization']).toBe(`Bearer ${API_KEY}`);
    expect(call?.body).toEqual({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      response_format: { type: 'json_object' },
      max_tokens: 50,
    });
    expect(call?.json).toBe(true);
  });

  it('sends no Authorization header without a key, and reaches /chat/completions under a bare origin', async () => {
    const llm = await fake([{ text: 'local' }]);
    const provider = openai(llm, { baseUrl: llm.anthropicUrl, apiKey: undefined, name: 'ollama' });
    const answer = await provider.chat({ model: 'llama3.2', messages: ask('Hi'), signal: signal() });
    expect(answer.model).toBe('llama3.2');
    expect(llm.requests[0]?.path).toBe('/chat/completions');
    expect(llm.requests[0]?.headers['authorization']).toBeUndefined();
  });

  it('round-trips a tool call: the assistant call and the tool result go back in OpenAI form', async () => {
    const llm = await fake([{ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] }, { text: 'Sunny in Oslo' }]);
    const provider = openai(llm);
    const messages: ChatMessage[] = ask('Weather in Oslo?');
    const first = await provider.chat({ messages, tools: [WEATHER], signal: signal() });

    expect(first.finishReason).toBe('tool_calls');
    expect(first.message).toEqual({ content: null, toolCalls: [{ id: 'call_0_0', name: 'get_weather', arguments: { city: 'Oslo' } }] });

    messages.push({ role: 'assistant', content: first.message.content, toolCalls: first.message.toolCalls });
    messages.push({ role: 'tool', toolCallId: 'call_0_0', name: 'get_weather', content: '{"sky":"clear"}' });
    const second = await provider.chat({ messages, tools: [WEATHER], signal: signal() });
    expect(second.message.content).toBe('Sunny in Oslo');

    const body = llm.requests[1]?.body as { messages: unknown[]; tools: unknown[] };
    expect(body.tools).toEqual([{ type: 'function', function: WEATHER }]);
    expect(body.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_0_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_0_0', content: '{"sky":"clear"}' },
    ]);
    expect(llm.requests[1]?.messages[2]).toEqual({ role: 'tool', toolCallId: 'call_0_0', content: '{"sky":"clear"}' });
  });

  it('keeps tool arguments that are not JSON as the raw string, and echoes them verbatim', async () => {
    const llm = await fake([{ toolCalls: [{ name: 'get_weather', arguments: '{"city": Oslo' }] }, { text: 'ok' }]);
    const provider = openai(llm);
    const first = await provider.chat({ messages: ask('x'), tools: [WEATHER], signal: signal() });
    expect(first.message.toolCalls[0]?.arguments).toBe('{"city": Oslo');

    await provider.chat({ messages: [...ask('x'), { role: 'assistant', content: null, toolCalls: first.message.toolCalls }], signal: signal() });
    const sent = (llm.requests[1]!.body as { messages: { tool_calls?: { function: { arguments: string } }[] }[] }).messages[1];
    expect(sent?.tool_calls?.[0]?.function.arguments).toBe('{"city": Oslo');
  });

  it('reports usage from the response and its cost when prices are set', async () => {
    const llm = await fake([
      { text: 'a', usage: { inputTokens: 1_000, outputTokens: 500 } },
      { status: 200, body: '{"choices":[{"message":{"content":"b"}}]}' },
    ]);
    const provider = openai(llm, { prices: { inputPerMTok: 0.15, outputPerMTok: 0.6 } });
    const priced = await provider.chat({ messages: ask('x'), signal: signal() });
    expect(priced.usage).toEqual({ inputTokens: 1_000, outputTokens: 500, costUsd: 0.00045 });

    // No usage, no model, no finish_reason: zeros, the requested model, `stop`.
    const bare = await provider.chat({ messages: ask('x'), signal: signal() });
    expect(bare).toEqual({
      message: { content: 'b', toolCalls: [] },
      finishReason: 'stop',
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
      model: 'gpt-test',
    });
  });
});

describe('Anthropic provider', () => {
  it('answers text with the Anthropic headers, a default max_tokens, and usage with cost', async () => {
    const llm = await fake([{ text: 'Bonjour', usage: { inputTokens: 2_000_000, outputTokens: 1_000_000 } }]);
    const provider = anthropic(llm, { prices: { inputPerMTok: 3, outputPerMTok: 15 } });
    const answer = await provider.chat({ messages: ask('Hi'), signal: signal() });

    expect(answer).toEqual({
      message: { content: 'Bonjour', toolCalls: [] },
      finishReason: 'stop',
      usage: { inputTokens: 2_000_000, outputTokens: 1_000_000, costUsd: 21 },
      model: 'claude-test',
    });
    const [call] = llm.requests;
    expect(call?.path).toBe('/v1/messages');
    expect(call?.headers['x-api-key']).toBe(API_KEY);
    expect(call?.headers['anthropic-version']).toBe('2023-06-01');
    expect(call?.headers['authorization']).toBeUndefined();
    expect(call?.body).toEqual({ model: 'claude-test', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] });
  });

  it('round-trips a tool call: tool_use from the assistant, tool_result in a user turn', async () => {
    const llm = await fake([{ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }], text: 'Let me check.' }, { text: 'Sunny in Oslo' }]);
    const provider = anthropic(llm);
    const messages: ChatMessage[] = ask('Weather in Oslo?');
    const first = await provider.chat({ messages, tools: [WEATHER], maxTokens: 256, signal: signal() });

    expect(first.finishReason).toBe('tool_calls');
    expect(first.message).toEqual({ content: 'Let me check.', toolCalls: [{ id: 'toolu_0_0', name: 'get_weather', arguments: { city: 'Oslo' } }] });

    messages.push({ role: 'assistant', content: first.message.content, toolCalls: first.message.toolCalls });
    messages.push({ role: 'tool', toolCallId: 'toolu_0_0', name: 'get_weather', content: 'city not found', isError: true });
    const second = await provider.chat({ messages, tools: [WEATHER], signal: signal() });
    expect(second).toMatchObject({ message: { content: 'Sunny in Oslo' }, finishReason: 'stop' });

    const body = llm.requests[1]?.body as { messages: unknown[]; tools: unknown[]; max_tokens: number };
    expect(llm.requests[0]?.body).toMatchObject({ max_tokens: 256 });
    expect(body.tools).toEqual([{ name: 'get_weather', description: WEATHER.description, input_schema: WEATHER.parameters }]);
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_0_0', name: 'get_weather', input: { city: 'Oslo' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_0_0', content: 'city not found', is_error: true }] },
    ]);
    expect(llm.requests[1]?.messages[2]).toEqual({ role: 'tool', toolCallId: 'toolu_0_0', name: 'get_weather', content: 'city not found', isError: true });
  });

  it('moves system messages to `system`, merges same-role turns, and asks for JSON by instruction', async () => {
    const llm = await fake([{ json: { ok: true } }]);
    const provider = anthropic(llm);
    const answer = await provider.chat({
      messages: [
        { role: 'system', content: 'You are careful.' },
        { role: 'user', content: 'First.' },
        { role: 'user', content: 'Second.' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { id: 't1', name: 'a', arguments: { x: 1 } },
            { id: 't2', name: 'b', arguments: '{"y":2}' },
          ],
        },
        { role: 'tool', toolCallId: 't1', name: 'a', content: 'one' },
        { role: 'tool', toolCallId: 't2', name: 'b', content: 'two' },
        { role: 'user', content: 'Now answer.' },
        { role: 'system', content: 'Mind the format.' },
      ],
      json: true,
      signal: signal(),
    });

    expect(JSON.parse(answer.message.content ?? '')).toEqual({ ok: true });
    const body = llm.requests[0]?.body as { system: string; messages: unknown[] };
    expect(body.system).toBe(`You are careful.\n\nMind the format.\n\n${ANTHROPIC_JSON_INSTRUCTION}`);
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'First.' },
          { type: 'text', text: 'Second.' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 't1', name: 'a', input: { x: 1 } },
          { type: 'tool_use', id: 't2', name: 'b', input: { y: 2 } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'one' },
          { type: 'tool_result', tool_use_id: 't2', content: 'two' },
          { type: 'text', text: 'Now answer.' },
        ],
      },
    ]);
    expect(llm.requests[0]?.json).toBe(true);
  });
});

describe('retries and failures', () => {
  it.each(['openai', 'anthropic'] as const)('%s: waits as long as Retry-After says on 429, then succeeds', async (kind) => {
    const llm = await fake([{ status: 429, retryAfter: 1 }, { text: 'finally' }]);
    const provider = kind === 'openai' ? openai(llm) : anthropic(llm);
    const started = Date.now();
    const answer = await provider.chat({ messages: ask('x'), signal: signal() });

    expect(answer.message.content).toBe('finally');
    expect(llm.requests).toHaveLength(2);
    const [first, second] = llm.requests;
    // The backoff alone (5 ms) would retry at once: the gap is the server's 1 s.
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(990);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('retries 408, 503 and 502, then answers', async () => {
    const llm = await fake([{ status: 408 }, { status: 503 }, { status: 502 }, { text: 'up' }]);
    const answer = await openai(llm).chat({ messages: ask('x'), signal: signal() });
    expect(answer.message.content).toBe('up');
    expect(llm.requests).toHaveLength(4);
  });

  it('gives up after maxRetries + 1 attempts of 500 with a ProviderError carrying status, attempts and body', async () => {
    const llm = await fake(Array.from({ length: 4 }, () => ({ status: 500 })));
    const error = await providerError(openai(llm, { maxRetries: 3 }).chat({ messages: ask('x'), signal: signal() }));

    expect(llm.requests).toHaveLength(4);
    expect(error.details).toMatchObject({ provider: 'openai', status: 500, attempts: 4 });
    expect(error.details.body).toContain('fake-llm: status 500');
    expect(error.message).toBe(`openai: POST ${llm.url}/chat/completions responded 500 Internal Server Error: fake-llm: status 500 (after 4 attempts)`);
  });

  it.each(['openai', 'anthropic'] as const)("%s: tries once when the step's retry strategy owns retrying, its own budget otherwise", async (kind) => {
    const llm = await fake(Array.from({ length: 8 }, () => ({ status: 503 })));
    const provider = kind === 'openai' ? openai(llm, { maxRetries: 3 }) : anthropic(llm, { maxRetries: 3 });

    const once = await providerError(provider.chat({ messages: ask('x'), signal: signal(), retryOwner: 'strategy' }));
    expect(once.details).toMatchObject({ status: 503, attempts: 1 });
    expect(llm.requests).toHaveLength(1);

    const own = await providerError(provider.chat({ messages: ask('x'), signal: signal(), retryOwner: 'step' }));
    expect(own.details).toMatchObject({ status: 503, attempts: 4 });
    expect(llm.requests).toHaveLength(5);
  });

  it('fails at once on a 4xx other than 408 and 429', async () => {
    const llm = await fake([{ status: 400, body: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'model: not found' } }) }]);
    const error = await providerError(anthropic(llm).chat({ messages: ask('x'), signal: signal() }));
    expect(error.details).toMatchObject({ provider: 'anthropic', status: 400, attempts: 1 });
    expect(error.message).toContain('responded 400 Bad Request: model: not found (after 1 attempt)');
  });

  it('retries network errors and reports their code', async () => {
    const port = await closedPort();
    const provider = createOpenAiCompatibleProvider({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', maxRetries: 2, retryDelayMs: 5 });
    providers.push(provider);
    const error = await providerError(provider.chat({ messages: ask('x'), signal: signal() }));
    expect(error.details).toEqual({ provider: 'openai', attempts: 3, code: 'ECONNREFUSED' });
    expect(error.message).toMatch(/failed: .*ECONNREFUSED.*\(after 3 attempts\)$/);
  });

  it('rejects a body that is not JSON, without retrying', async () => {
    const llm = await fake([{ malformed: '<html>gateway hiccup</html>' }]);
    const error = await providerError(openai(llm).chat({ messages: ask('x'), signal: signal() }));
    expect(error.message).toMatch(/response is not JSON/);
    expect(error.details).toMatchObject({ status: 200, attempts: 1, body: '<html>gateway hiccup</html>' });
  });

  it('rejects JSON that lacks the expected fields, saying which', async () => {
    const llm = await fake([
      { status: 200, body: '{"object":"chat.completion"}' },
      { status: 200, body: '{"type":"message"}' },
    ]);
    const openaiError = await providerError(openai(llm).chat({ messages: ask('x'), signal: signal() }));
    expect(openaiError.message).toMatch(/response is invalid: no choices$/);
    const anthropicError = await providerError(anthropic(llm).chat({ messages: ask('x'), signal: signal() }));
    expect(anthropicError.message).toMatch(/response is invalid: content is not an array$/);
  });

  it('refuses a response body above maxResponseBytes', async () => {
    const llm = await fake([{ text: 'x'.repeat(5_000) }]);
    const error = await providerError(openai(llm, { maxResponseBytes: 1_000 }).chat({ messages: ask('x'), signal: signal() }));
    expect(error.message).toMatch(/response body exceeds 1000 bytes/);
    expect(error.details.attempts).toBe(1);
  });

  it('never puts the API key in an error, even when the provider echoes it', async () => {
    const echo = JSON.stringify({ error: { message: `Incorrect API key provided: ${API_KEY}` } });
    const llm = await fake([{ status: 401, body: echo }, { malformed: `bad ${API_KEY}` }]);
    for (const provider of [openai(llm), anthropic(llm)]) {
      const error = await providerError(provider.chat({ messages: ask('x'), signal: signal() }));
      const everything = `${error.message} ${error.stack ?? ''} ${JSON.stringify(error.details)}`;
      expect(everything).not.toContain(API_KEY);
      expect(everything).toContain('***');
    }
  });

  it('answers a call no scripted route matches with a 500 that says so', async () => {
    const llm = await fake(scripted([{ name: 'weather', when: (r) => r.messages.some((m) => m.content?.includes('[weather]')), replies: [] }]));
    const error = await providerError(openai(llm, { maxRetries: 0 }).chat({ messages: ask('[other] hi'), signal: signal() }));
    expect(error.details.body).toContain('no scripted route matches call #0');
    expect(llm.problems).toHaveLength(1);
  });
});

describe('aborts', () => {
  // The provider rejects with the signal's reason, never a ProviderError: an AbortError for
  // abort(), a TimeoutError for AbortSignal.timeout(). The executor tells them apart by the signal.
  it.each(['openai', 'anthropic'] as const)('%s: a slow answer is abandoned as soon as the signal aborts', async (kind) => {
    const llm = await fake([{ text: 'too late', delayMs: 10_000 }]);
    const provider = kind === 'openai' ? openai(llm) : anthropic(llm);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await rejection(provider.chat({ messages: ask('x'), signal: controller.signal }));

    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('an abort during a Retry-After wait ends the call at once', async () => {
    const llm = await fake([{ status: 503, retryAfter: 30 }, { text: 'never' }]);
    const started = Date.now();
    const error = await rejection(openai(llm).chat({ messages: ask('x'), signal: AbortSignal.timeout(200) }));

    expect((error as DOMException).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(llm.requests).toHaveLength(1);
  });

  it('a signal aborted before the call sends nothing', async () => {
    const llm = await fake([{ text: 'never' }]);
    const error = await rejection(openai(llm).chat({ messages: ask('x'), signal: AbortSignal.abort() }));
    expect((error as DOMException).name).toBe('AbortError');
    expect(llm.requests).toHaveLength(0);
  });
});

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
