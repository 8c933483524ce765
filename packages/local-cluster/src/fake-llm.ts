import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted stand-in for LLM APIs, so agent tests and the demo never call outside hosts. One
 * local server speaks both wire formats:
 * - OpenAI-compatible: `POST /v1/chat/completions` and `POST /chat/completions`;
 * - Anthropic: `POST /v1/messages`.
 * Each call is decoded into a provider-neutral {@link FakeLlmRequest}, handed to the test's
 * `reply` function, and its {@link FakeLlmDirective} is encoded back in the caller's format.
 */

/** A tool call as the fake sees it in a request. `arguments` is parsed JSON, or the raw text. */
export interface FakeLlmToolCall {
  id: string;
  name: string;
  arguments: unknown;
}

/** A conversation message, decoded from either wire format (the shape of the executors' `ChatMessage`). */
export type FakeLlmMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls?: FakeLlmToolCall[] }
  | { role: 'tool'; toolCallId: string; name?: string; content: string; isError?: boolean };

export interface FakeLlmRequest {
  /** 0 for the first call the server received, across both APIs. */
  index: number;
  /** `Date.now()` when the body had arrived: lets tests measure the waits between retries. */
  receivedAt: number;
  api: 'openai' | 'anthropic';
  path: string;
  headers: IncomingHttpHeaders;
  model: string | undefined;
  /** Anthropic's top-level `system` comes first, as a system message. */
  messages: FakeLlmMessage[];
  tools: { name: string; description?: string; parameters: unknown }[];
  /**
   * OpenAI: `response_format` asks for JSON. Anthropic has no such field, so: the system prompt
   * mentions a "JSON object" (which the provider's JSON instruction does).
   */
  json: boolean;
  maxTokens: number | undefined;
  /** The request body as sent. */
  body: unknown;
}

/** What one call answers. */
export type FakeLlmReply =
  | { text: string }
  | { toolCalls: { name: string; arguments: unknown }[]; text?: string }
  /** A text answer that is this value as JSON. */
  | { json: unknown }
  /**
   * This status with the format's error JSON; `retryAfter` (seconds) sets the header; `body` is sent
   * instead, verbatim (with status 200, a way to send any hand-written response).
   */
  | { status: number; retryAfter?: number; body?: string }
  /** A 200 whose body is this raw text (not JSON). */
  | { malformed: string };

export type FakeLlmDirective = FakeLlmReply & {
  /** Answer after this long (the client may give up first). */
  delayMs?: number;
  /** Default: characters / 4 of the request's messages and of the answer, rounded up. */
  usage?: { inputTokens: number; outputTokens: number };
  /** The `model` reported back; default: the requested one, else `fake-model`. */
  model?: string;
  /** In OpenAI's words (`stop`, `tool_calls`, `length`); mapped for Anthropic. Default from the answer. */
  finishReason?: string;
};

export type FakeLlmReplyFn = (request: FakeLlmRequest) => FakeLlmDirective | Promise<FakeLlmDirective>;

export interface FakeLlm {
  /** Base URL for an OpenAI-kind provider, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string;
  /** Base URL for an Anthropic-kind provider, e.g. `http://127.0.0.1:PORT`. */
  anthropicUrl: string;
  /** Every decoded call, in arrival order. */
  requests: FakeLlmRequest[];
  /** Test mistakes the fake answered with 500 or 404: `reply` threw, no route, unknown path. */
  problems: string[];
  close(): Promise<void>;
}

/**
 * Starts the fake on 127.0.0.1 and an ephemeral port.
 *
 * @example
 * const llm = await startFakeLlm(scripted([
 *   { when: mentions('[weather]'), replies: [{ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] }, { text: 'Sunny.' }] },
 * ]));
 * const provider = createOpenAiCompatibleProvider({ baseUrl: llm.url, model: 'fake' });
 * // …
 * await llm.close();
 */
export async function startFakeLlm(reply: FakeLlmReplyFn): Promise<FakeLlm> {
  const requests: FakeLlmRequest[] = [];
  const problems: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let next = 0;

  /** Waits `ms`, or less when the client gave up (an aborted call): nobody reads the answer then. */
  const waitUnlessClientLeaves = (ms: number, res: ServerResponse): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        timers.delete(timer);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timers.add(timer);
      res.once('close', done);
    });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const message = `fake-llm: ${error instanceof Error ? error.message : String(error)}`;
      problems.push(message);
      sendJson(res, 500, { error: { message } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const api =
      req.method !== 'POST'
        ? undefined
        : path === '/v1/messages'
          ? 'anthropic'
          : path === '/v1/chat/completions' || path === '/chat/completions'
            ? 'openai'
            : undefined;
    if (api === undefined) {
      problems.push(`fake-llm: no endpoint ${req.method} ${path}`);
      return sendJson(res, 404, { error: { message: `fake-llm: no endpoint ${req.method} ${path}` } });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      problems.push(`fake-llm: request body of ${path} is not JSON`);
      return sendJson(res, 400, errorBody(api, 400, 'fake-llm: request body is not JSON'));
    }
    const request = decodeRequest(api, next++, path, req.headers, body);
    requests.push(request);
    let directive: FakeLlmDirective;
    try {
      directive = await reply(request);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      problems.push(message);
      return sendJson(res, 500, errorBody(api, 500, message));
    }
    if (directive.delayMs !== undefined && directive.delayMs > 0) await waitUnlessClientLeaves(directive.delayMs, res);
    if (!res.destroyed) respond(res, request, directive);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/v1`,
    anthropicUrl: origin,
    requests,
    problems,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        // Keep-alive sockets and slow answers would hold close() open.
        server.closeAllConnections();
      }),
  };
}

/** A route of {@link scripted}: the calls it answers, and its answers in order. */
export interface ScriptedRoute {
  /** For messages; default `route <position>`. */
  name?: string;
  when: (request: FakeLlmRequest) => boolean;
  replies: FakeLlmDirective[];
}

/**
 * Serves each route's replies in order to the calls it matches (the first matching route wins).
 * A call no route matches, or a route that ran out, is answered with a 500 whose message says so
 * (and lands in `problems`): a test scripted wrong fails loudly instead of hanging.
 *
 * @example
 * scripted([
 *   { when: mentions('[plan]'), replies: [{ json: { subtasks: [{ goal: 'a' }] } }] },
 *   { when: () => true, replies: [{ text: 'done' }, { text: 'done again' }] },
 * ]);
 */
export function scripted(routes: readonly ScriptedRoute[]): FakeLlmReplyFn {
  const served = routes.map(() => 0);
  return (request) => {
    const position = routes.findIndex((route) => route.when(request));
    const route = routes[position];
    if (route === undefined) {
      throw new Error(
        `fake-llm: no scripted route matches call #${request.index} (${request.api}); last user message: ${JSON.stringify(lastUserText(request))}`,
      );
    }
    const count = served[position] ?? 0;
    const directive = route.replies[count];
    const name = route.name ?? `route ${position}`;
    if (directive === undefined) throw new Error(`fake-llm: ${name} ran out of replies after ${route.replies.length} (call #${request.index})`);
    served[position] = count + 1;
    return directive;
  };
}

/** A `when` for {@link scripted}: the system or user messages contain `marker` (e.g. a tag in the goal). */
export function mentions(marker: string): (request: FakeLlmRequest) => boolean {
  return (request) => request.messages.some((m) => (m.role === 'user' || m.role === 'system') && m.content.includes(marker));
}

/** The text of the request's last user message, or `undefined`. */
export function lastUserText(request: FakeLlmRequest): string | undefined {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role === 'user') return message.content;
  }
  return undefined;
}

// ---- decoding requests -------------------------------------------------------------------------

type Json = Record<string, unknown>;

function decodeRequest(api: 'openai' | 'anthropic', index: number, path: string, headers: IncomingHttpHeaders, body: unknown): FakeLlmRequest {
  const raw: Json = isRecord(body) ? body : {};
  const model = typeof raw['model'] === 'string' ? raw['model'] : undefined;
  const maxTokens = numberOrUndefined(raw['max_tokens'] ?? raw['max_completion_tokens']);
  const tools = arrayOf(raw['tools']).map((tool) => {
    const fn = api === 'openai' && isRecord(tool['function']) ? tool['function'] : tool;
    return {
      name: String(fn['name'] ?? ''),
      ...(typeof fn['description'] === 'string' ? { description: fn['description'] } : {}),
      parameters: api === 'openai' ? fn['parameters'] : fn['input_schema'],
    };
  });
  const messages = api === 'openai' ? decodeOpenAiMessages(raw) : decodeAnthropicMessages(raw);
  const json =
    api === 'openai'
      ? isRecord(raw['response_format']) && raw['response_format']['type'] !== 'text'
      : messages.some((m) => m.role === 'system' && /\bJSON object\b/i.test(m.content));
  return { index, receivedAt: Date.now(), api, path, headers, model, messages, tools, json, maxTokens, body };
}

function decodeOpenAiMessages(raw: Json): FakeLlmMessage[] {
  return arrayOf(raw['messages']).map((m): FakeLlmMessage => {
    const content = textOf(m['content']);
    switch (m['role']) {
      case 'system':
      case 'developer':
        return { role: 'system', content };
      case 'assistant': {
        const calls = arrayOf(m['tool_calls']).map((call) => {
          const fn = isRecord(call['function']) ? call['function'] : {};
          return { id: String(call['id'] ?? ''), name: String(fn['name'] ?? ''), arguments: parseArguments(fn['arguments']) };
        });
        return {
          role: 'assistant',
          content: m['content'] === null || m['content'] === undefined ? null : content,
          ...(calls.length > 0 ? { toolCalls: calls } : {}),
        };
      }
      case 'tool':
        return { role: 'tool', toolCallId: String(m['tool_call_id'] ?? ''), ...(typeof m['name'] === 'string' ? { name: m['name'] } : {}), content };
      default:
        return { role: 'user', content };
    }
  });
}

function decodeAnthropicMessages(raw: Json): FakeLlmMessage[] {
  const messages: FakeLlmMessage[] = [];
  const system = textOf(raw['system']);
  if (system !== '') messages.push({ role: 'system', content: system });
  const toolNames = new Map<string, string>();
  for (const m of arrayOf(raw['messages'])) {
    const blocks = typeof m['content'] === 'string' ? [{ type: 'text', text: m['content'] }] : arrayOf(m['content']);
    if (m['role'] === 'assistant') {
      const text = blocks.filter((b) => b['type'] === 'text').map((b) => String(b['text'] ?? ''));
      const calls = blocks
        .filter((b) => b['type'] === 'tool_use')
        .map((b) => ({ id: String(b['id'] ?? ''), name: String(b['name'] ?? ''), arguments: b['input'] }));
      for (const call of calls) toolNames.set(call.id, call.name);
      messages.push({ role: 'assistant', content: text.length > 0 ? text.join('') : null, ...(calls.length > 0 ? { toolCalls: calls } : {}) });
      continue;
    }
    const texts: string[] = [];
    for (const block of blocks) {
      if (block['type'] === 'tool_result') {
        const id = String(block['tool_use_id'] ?? '');
        const name = toolNames.get(id);
        messages.push({
          role: 'tool',
          toolCallId: id,
          ...(name === undefined ? {} : { name }),
          content: textOf(block['content']),
          ...(block['is_error'] === true ? { isError: true } : {}),
        });
      } else if (block['type'] === 'text') {
        texts.push(String(block['text'] ?? ''));
      }
    }
    if (texts.length > 0) messages.push({ role: 'user', content: texts.join('\n') });
  }
  return messages;
}

// ---- encoding replies --------------------------------------------------------------------------

function respond(res: ServerResponse, request: FakeLlmRequest, directive: FakeLlmDirective): void {
  if ('malformed' in directive) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(directive.malformed);
    return;
  }
  if ('status' in directive) {
    const headers: Record<string, string> = directive.retryAfter === undefined ? {} : { 'retry-after': String(directive.retryAfter) };
    if (directive.body !== undefined) {
      res.writeHead(directive.status, { 'content-type': 'application/json', ...headers });
      res.end(directive.body);
      return;
    }
    return sendJson(res, directive.status, errorBody(request.api, directive.status, `fake-llm: status ${directive.status}`), headers);
  }
  const text = 'json' in directive ? JSON.stringify(directive.json) : directive.text;
  const calls = 'toolCalls' in directive ? directive.toolCalls : [];
  const model = directive.model ?? request.model ?? 'fake-model';
  // Deterministic, so tests can assert totals: about four characters per token.
  const usage = directive.usage ?? {
    inputTokens: Math.ceil(JSON.stringify(request.messages).length / 4),
    outputTokens: Math.ceil(((text ?? '').length + (calls.length > 0 ? JSON.stringify(calls).length : 0)) / 4),
  };
  const finishReason = directive.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop');
  const body =
    request.api === 'openai'
      ? openAiAnswer(request.index, model, text, calls, finishReason, usage)
      : anthropicAnswer(request.index, model, text, calls, finishReason, usage);
  sendJson(res, 200, body);
}

type Calls = { name: string; arguments: unknown }[];
type Usage = { inputTokens: number; outputTokens: number };

function openAiAnswer(index: number, model: string, text: string | undefined, calls: Calls, finishReason: string, usage: Usage): Json {
  const toolCalls = calls.map((call, i) => ({
    id: `call_${index}_${i}`,
    type: 'function',
    function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
  }));
  return {
    id: `chatcmpl-fake-${index}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text ?? null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
        finish_reason: finishReason,
      },
    ],
    usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens },
  };
}

const ANTHROPIC_STOP_REASONS: Record<string, string> = { stop: 'end_turn', tool_calls: 'tool_use', length: 'max_tokens' };

function anthropicAnswer(index: number, model: string, text: string | undefined, calls: Calls, finishReason: string, usage: Usage): Json {
  const content = [
    ...(text === undefined || text === '' ? [] : [{ type: 'text', text }]),
    ...calls.map((call, i) => ({ type: 'tool_use', id: `toolu_${index}_${i}`, name: call.name, input: call.arguments })),
  ];
  return {
    id: `msg_fake_${index}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: ANTHROPIC_STOP_REASONS[finishReason] ?? finishReason,
    stop_sequence: null,
    usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
  };
}

function errorBody(api: 'openai' | 'anthropic', status: number, message: string): Json {
  const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
  return api === 'openai' ? { error: { message, type, code: null } } : { type: 'error', error: { type, message } };
}

// ---- plumbing ----------------------------------------------------------------------------------

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // An aborted upload still resolves; the answer goes nowhere.
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** A string, or the `text` of content blocks / parts joined; '' otherwise. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  return arrayOf(value)
    .filter((part) => typeof part['text'] === 'string')
    .map((part) => part['text'] as string)
    .join('\n');
}

function parseArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
