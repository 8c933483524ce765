import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortedError, AgenticFlowClient, AgenticFlowError, BadResponseError, ConnectionError, HttpError, TimeoutError } from '../src/index.js';
import { apiError, fakeFetch, json, networkError } from './fake-fetch.js';

const BASE = 'http://coordinator.test';
const fast = { attempts: 4, initialDelayMs: 1, maxDelayMs: 50 };
const client = (fetch: typeof globalThis.fetch, extra: Partial<ConstructorParameters<typeof AgenticFlowClient>[0]> = {}) =>
  new AgenticFlowClient({ baseUrl: BASE, fetch, retry: fast, ...extra });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error,
  );

describe('one error model', () => {
  it('an API error answer is an HttpError with the status, code, problems and Retry-After', async () => {
    const { fetch } = fakeFetch(
      json(400, {
        error: { code: 'VALIDATION_FAILED', message: 'invalid body: 1 problem', problems: [{ path: '$.body.variables', message: 'must be an object' }] },
      }),
    );
    const error = await failure(client(fetch).executeWorkflow('wf'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toBeInstanceOf(AgenticFlowError);
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', problems: [{ path: '$.body.variables' }] });
  });

  it('a 200 that is not JSON, or lacks what the method needs, is a BadResponseError — not data', async () => {
    const html = new Response('<html>proxy</html>', { status: 200, headers: { 'content-type': 'text/html' } });
    expect(await failure(client(fakeFetch(html).fetch).executeWorkflow('wf'))).toMatchObject({
      name: 'BadResponseError',
      code: 'BAD_RESPONSE',
      status: 200,
      body: '<html>proxy</html>',
    });
    const empty = await failure(client(fakeFetch(new Response('', { status: 200 })).fetch).executeWorkflow('wf'));
    expect(empty).toBeInstanceOf(BadResponseError);
    expect((empty as Error).message).toContain('empty body');
    const partial = await failure(client(fakeFetch(json(201, { status: 'running' })).fetch).executeWorkflow('wf'));
    expect((partial as Error).message).toContain('no string "executionId"');
    const noSteps = await failure(client(fakeFetch(json(200, { id: 'e', status: 'running' })).fetch).getExecution('e', { outputs: false }));
    expect(noSteps).toBeInstanceOf(BadResponseError);
  });

  it('an error status without the API error body is a BadResponseError with that status', async () => {
    const { fetch } = fakeFetch(new Response('<h1>404</h1>', { status: 404 }));
    expect(await failure(client(fetch).getExecution('e'))).toMatchObject({ name: 'BadResponseError', status: 404, code: 'BAD_RESPONSE' });
  });

  it('no connection is a ConnectionError naming the URL (without its query string)', async () => {
    const { fetch } = fakeFetch(networkError('ECONNREFUSED'));
    const error = await failure(client(fetch, { retry: false }).listExecutions({ cursor: 'secret-ish' }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED', url: `${BASE}/v1/executions`, systemCode: 'ECONNREFUSED', attempts: 1 });
    expect((error as Error).message).toBe(`cannot reach ${BASE}/v1/executions: ECONNREFUSED`);
  });

  it('a call past its timeoutMs is a TimeoutError; an aborted signal an AbortedError', async () => {
    const hang = (_url: string, init: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)));
    const timedOut = await failure(client(fakeFetch(hang).fetch).getExecution('e', { timeoutMs: 30 }));
    expect(timedOut).toBeInstanceOf(TimeoutError);
    expect(timedOut).toMatchObject({ code: 'TIMEOUT', timeoutMs: 30 });
    const controller = new AbortController();
    const pending = failure(client(fakeFetch(hang).fetch).getExecution('e', { signal: controller.signal }));
    controller.abort(new Error('user left'));
    expect(await pending).toMatchObject({ name: 'AbortedError', code: 'ABORTED', message: 'GET /v1/executions/e?include=outputs aborted: user left' });
    expect(await failure(client(fakeFetch(json(200, {})).fetch).getExecution('e', { signal: AbortSignal.abort() }))).toBeInstanceOf(AbortedError);
  });
});

describe('retries', () => {
  it('retries reads on connection errors and 502/503/504, then succeeds', async () => {
    const overview = { id: 'e', status: 'running', steps: [], escalations: [] };
    const { fetch, calls } = fakeFetch(
      networkError('ECONNRESET'),
      apiError(503, 'SERVICE_UNAVAILABLE'),
      new Response('bad gateway', { status: 502 }),
      json(200, overview),
    );
    expect(await client(fetch).getExecution('e', { outputs: false })).toEqual(overview);
    expect(calls).toHaveLength(4);
  });

  it('gives up after `attempts`, with the last error', async () => {
    const { fetch, calls } = fakeFetch(networkError('ECONNRESET'));
    expect(await failure(client(fetch).getExecution('e'))).toMatchObject({ name: 'ConnectionError', attempts: 4 });
    expect(calls).toHaveLength(4);
  });

  it('retry: false tries once', async () => {
    const { fetch, calls } = fakeFetch(apiError(503, 'SERVICE_UNAVAILABLE'));
    await failure(client(fetch, { retry: false }).getExecution('e'));
    expect(calls).toHaveLength(1);
    const perCall = fakeFetch(apiError(503, 'SERVICE_UNAVAILABLE'));
    await failure(client(perCall.fetch).getExecution('e', { retry: false }));
    expect(perCall.calls).toHaveLength(1);
  });

  it('does not repeat a call that is not idempotent after an ambiguous failure, but does after a refused connection or a 429', async () => {
    const reset = fakeFetch(networkError('ECONNRESET'));
    expect(await failure(client(reset.fetch).cancelExecution('e'))).toBeInstanceOf(ConnectionError);
    expect(reset.calls).toHaveLength(1);
    const unavailable = fakeFetch(apiError(503, 'SERVICE_UNAVAILABLE'));
    await failure(client(unavailable.fetch).cancelExecution('e'));
    expect(unavailable.calls).toHaveLength(1);
    const lifecycle = json(200, { executionId: 'e', status: 'cancelled' });
    const refused = fakeFetch(networkError('ECONNREFUSED'), lifecycle);
    expect(await client(refused.fetch).cancelExecution('e')).toEqual({ executionId: 'e', status: 'cancelled' });
    const limited = fakeFetch(apiError(429, 'RATE_LIMITED', 'slow down', { 'retry-after': '0' }), lifecycle);
    expect(await client(limited.fetch).cancelExecution('e')).toEqual({ executionId: 'e', status: 'cancelled' });
  });

  it('honours Retry-After, and does not wait longer than maxDelayMs for it', async () => {
    const started = Date.now();
    const { fetch, calls } = fakeFetch(apiError(429, 'RATE_LIMITED', 'slow down', { 'retry-after': '1' }), json(200, { items: [], nextCursor: null }));
    await client(fetch, { retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 2000 } }).listExecutions();
    expect(calls).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    const tooLong = fakeFetch(apiError(429, 'RATE_LIMITED', 'slow down', { 'retry-after': '60' }));
    expect(await failure(client(tooLong.fetch).listExecutions())).toMatchObject({ status: 429, retryAfterMs: 60_000 });
    expect(tooLong.calls).toHaveLength(1);
  });

  it('a start sends one Idempotency-Key, the same on every retry; each start a new one', async () => {
    const { fetch, calls } = fakeFetch(networkError('ECONNRESET'), apiError(503, 'SERVICE_UNAVAILABLE'), json(201, { executionId: 'e1', status: 'running' }));
    const flow = client(fetch);
    expect(await flow.executeWorkflow('wf', { a: 1 })).toBe('e1');
    const keys = calls.map((c) => (c.init.headers as Record<string, string>)['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^af-sdk-[0-9a-f-]{36}$/);
    await flow.executeWorkflow('wf', { a: 1 });
    expect((calls[3]!.init.headers as Record<string, string>)['idempotency-key']).not.toBe(keys[0]);
    await flow.executeWorkflow('wf', { a: 1 }, { idempotencyKey: 'order-42' });
    expect((calls[4]!.init.headers as Record<string, string>)['idempotency-key']).toBe('order-42');
  });

  it('stops retrying at the call deadline', async () => {
    const { fetch } = fakeFetch(networkError('ECONNRESET'));
    const started = Date.now();
    await failure(client(fetch, { retry: { attempts: 100, initialDelayMs: 20, maxDelayMs: 20 } }).getExecution('e', { timeoutMs: 200 }));
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('construction', () => {
  it.each(['ftp://coordinator:3000', 'localhost:3000', '', 'not a url'])('refuses baseUrl %j with a TypeError naming it', (baseUrl) => {
    expect(() => new AgenticFlowClient({ baseUrl })).toThrow(TypeError);
    expect(() => new AgenticFlowClient({ baseUrl })).toThrow(JSON.stringify(baseUrl));
  });

  it('refuses bad retry and timeout settings', () => {
    expect(() => new AgenticFlowClient({ baseUrl: BASE, retry: { attempts: 0 } })).toThrow(/retry.attempts/);
    expect(() => new AgenticFlowClient({ baseUrl: BASE, timeoutMs: -1 })).toThrow(/timeoutMs/);
  });
});

describe('against a real socket', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('classifies a refused port and a connection dropped mid-answer as ConnectionErrors', async () => {
    server = createServer((request, response) => {
      // Headers out, then the socket dies: what a coordinator SIGKILLed mid-answer looks like.
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('{"executionId":');
      setTimeout(() => request.socket.destroy(), 10);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const dropped = await failure(new AgenticFlowClient({ baseUrl: `http://127.0.0.1:${port}`, retry: false }).getExecution('e'));
    expect(dropped).toBeInstanceOf(ConnectionError);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const refused = await failure(new AgenticFlowClient({ baseUrl: `http://127.0.0.1:${port}`, retry: false }).getExecution('e'));
    expect(refused).toMatchObject({ name: 'ConnectionError', systemCode: 'ECONNREFUSED', url: `http://127.0.0.1:${port}/v1/executions/e` });
  });
});
