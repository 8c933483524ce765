import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { getEventListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpConfig } from '@agentic-flow/spec';
import { egressPolicyFrom } from '../src/http/egress-policy.js';
import { idempotencyKeyOf } from '../src/idempotency-key.js';
import { createHttpExecutor, type HttpExecutorOptions } from '../src/http/http-executor.js';
import type { LogLevel, StepExecutionInput, StepExecutor, StepOutcome } from '../src/step-executor.js';
import { requestsCreatedInScope } from './request-scope.js';

// A real local server on an ephemeral port: the executor is exercised over real sockets, never
// against outside hosts. The egress policy denies loopback by default, so these executors open
// 127.0.0.1 explicitly (the policy itself is tested in egress-policy.test.ts and egress.int.test.ts).
const local = (options: HttpExecutorOptions = {}) => createHttpExecutor({ egress: egressPolicyFrom('127.0.0.1'), ...options });

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

const received: Received[] = [];
const hits = new Map<string, number>();

const routes: Record<string, Handler> = {
  '/json': (_req, res) => send(res, 200, JSON.stringify({ hello: 'world', n: [1, 2] }), 'application/json; charset=utf-8'),
  '/problem': (_req, res) => send(res, 200, JSON.stringify({ title: 'x' }), 'application/problem+json'),
  '/text': (_req, res) => send(res, 200, 'plain words', 'text/plain'),
  '/bad-json': (_req, res) => send(res, 200, '{"oops":', 'application/json'),
  '/empty': (_req, res) => {
    res.writeHead(204);
    res.end();
  },
  '/echo': (req, res) => {
    const last = received[received.length - 1];
    send(res, 200, JSON.stringify({ method: req.method, url: req.url, body: last?.body ?? '' }), 'application/json');
  },
  '/missing': (_req, res) => send(res, 404, JSON.stringify({ error: 'no such thing' }), 'application/json'),
  '/huge-error': (_req, res) => send(res, 500, 'é'.repeat(5000), 'text/plain; charset=utf-8'),
  '/flaky': (_req, res, hit) => (hit <= 2 ? send(res, 503, 'busy', 'text/plain') : send(res, 200, '{"ok":true}', 'application/json')),
  '/limited': (_req, res, hit) => {
    if (hit === 1) {
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' });
      res.end('slow down');
    } else send(res, 200, 'thanks', 'text/plain');
  },
  '/always-503': (_req, res) => send(res, 503, 'down', 'text/plain'),
  '/slow': (_req, res) => {
    // Answers long after any test's timeout; afterAll closes the connection.
    const timer = setTimeout(() => send(res, 200, 'late', 'text/plain'), 10_000);
    res.on('close', () => clearTimeout(timer));
  },
  '/big': (_req, res) => send(res, 200, 'x'.repeat(4096), 'text/plain'),
  '/big-chunked': (_req, res) => {
    // No content-length: the cap must trip while streaming.
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (let i = 0; i < 8; i++) res.write('y'.repeat(512));
    res.end();
  },
  '/redirect': (_req, res) => {
    res.writeHead(302, { location: '/json' });
    res.end();
  },
};

function send(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

let server: Server;
let base: string;
let http: StepExecutor<HttpConfig>;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const hit = (hits.get(path) ?? 0) + 1;
      hits.set(path, hit);
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const handler = routes[path];
      if (handler) handler(req, res, hit);
      else send(res, 404, 'unknown route', 'text/plain');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  http = local();
});

afterAll(async () => {
  await http.close?.();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
  hits.clear();
});

function input(config: Record<string, unknown>): StepExecutionInput<HttpConfig> {
  return {
    stepRunId: 'run-1',
    stepId: 'call',
    stepType: 'http',
    executionId: 'exec-1',
    attempt: 1,
    // The executor validates config itself; tests pass the raw shape a job carries.
    config: config as unknown as HttpConfig,
    context: { results: {}, variables: {}, input: {}, execution: { id: 'exec-1', workflowId: 'wf', workflowVersion: '1' } },
  };
}

function runtime(signal: AbortSignal = new AbortController().signal) {
  const logs: { level: LogLevel; message: string }[] = [];
  return { signal, logs, log: (level: LogLevel, message: string) => void logs.push({ level, message }) };
}

/** A success as one value: the response's status and headers beside the body (the step's output). */
function output(outcome: StepOutcome): { status: number; headers: Record<string, string | string[]>; body: unknown } {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  if (outcome.response === undefined) throw new Error('expected a response beside the output');
  return { ...outcome.response, body: outcome.output };
}

function failure(outcome: StepOutcome) {
  if (outcome.ok) throw new Error(`expected failure, got ${JSON.stringify(outcome.output)}`);
  return outcome.error;
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('http executor: success', () => {
  it('GETs and parses a JSON body', async () => {
    const outcome = await http.execute(input({ url: `${base}/json` }), runtime());
    // The step's output, what later steps read as its result, is the body alone; status and headers are beside it.
    expect(outcome).toEqual({ ok: true, output: { hello: 'world', n: [1, 2] }, response: { status: 200, headers: expect.any(Object) } });
    expect(output(outcome).headers['content-type']).toBe('application/json; charset=utf-8');
    expect(received[0]?.method).toBe('GET');
  });

  it('parses +json media types in auto mode', async () => {
    expect(output(await http.execute(input({ url: `${base}/problem` }), runtime())).body).toEqual({ title: 'x' });
  });

  it('POSTs an object as JSON with the configured headers', async () => {
    const out = output(
      await http.execute(
        input({ method: 'POST', url: `${base}/echo`, headers: { 'X-Trace': 'abc', Authorization: 'Bearer t' }, body: { a: 1, list: ['x'] } }),
        runtime(),
      ),
    );
    expect(out.status).toBe(200);
    const seen = received[0]!;
    expect(seen.method).toBe('POST');
    expect(JSON.parse(seen.body)).toEqual({ a: 1, list: ['x'] });
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['x-trace']).toBe('abc');
    expect(seen.headers.authorization).toBe('Bearer t');
  });

  it('keeps a user content type and sends strings as they are', async () => {
    await http.execute(input({ method: 'PUT', url: `${base}/echo`, headers: { 'Content-Type': 'text/csv' }, body: 'a,b\n1,2' }), runtime());
    expect(received[0]?.headers['content-type']).toBe('text/csv');
    expect(received[0]?.body).toBe('a,b\n1,2');

    await http.execute(input({ method: 'PATCH', url: `${base}/echo`, headers: { 'content-type': 'application/merge-patch+json' }, body: [1] }), runtime());
    expect(received[1]?.headers['content-type']).toBe('application/merge-patch+json');
    expect(received[1]?.body).toBe('[1]');
  });

  it('sends no body with GET, and says so', async () => {
    const rt = runtime();
    await http.execute(input({ url: `${base}/echo`, body: { ignored: true } }), rt);
    expect(received[0]?.body).toBe('');
    expect(rt.logs).toContainEqual({ level: 'warn', message: expect.stringContaining('ignored') });
  });

  it('appends query parameters to the URL', async () => {
    await http.execute(input({ url: `${base}/echo?keep=0`, query: { q: 'a b&c', n: 2, flag: true } }), runtime());
    const seen = new URL(received[0]!.url, base);
    expect(seen.searchParams.get('keep')).toBe('0');
    expect(seen.searchParams.get('q')).toBe('a b&c');
    expect(seen.searchParams.get('n')).toBe('2');
    expect(seen.searchParams.get('flag')).toBe('true');
  });

  it('returns a text body as a string', async () => {
    expect(output(await http.execute(input({ url: `${base}/text` }), runtime())).body).toBe('plain words');
  });

  it('honours responseType over the content type', async () => {
    expect(output(await http.execute(input({ url: `${base}/json`, responseType: 'text' }), runtime())).body).toBe('{"hello":"world","n":[1,2]}');
    expect(output(await http.execute(input({ url: `${base}/echo`, method: 'POST', body: 'x', responseType: 'json' }), runtime())).body).toMatchObject({
      body: 'x',
    });
  });

  it('returns malformed JSON as text with a warning', async () => {
    const rt = runtime();
    expect(output(await http.execute(input({ url: `${base}/bad-json`, responseType: 'json' }), rt)).body).toBe('{"oops":');
    expect(rt.logs).toContainEqual({ level: 'warn', message: expect.stringContaining('not valid JSON') });
  });

  it('returns null for an empty body', async () => {
    expect(output(await http.execute(input({ url: `${base}/empty` }), runtime()))).toMatchObject({ status: 204, body: null });
    expect(output(await http.execute(input({ method: 'HEAD', url: `${base}/json` }), runtime()))).toMatchObject({ status: 200, body: null });
  });

  it('accepts a listed non-2xx status', async () => {
    const out = output(await http.execute(input({ url: `${base}/missing`, acceptStatus: [404] }), runtime()));
    expect(out).toMatchObject({ status: 404, body: { error: 'no such thing' } });
  });

  it('follows redirects', async () => {
    const out = output(await http.execute(input({ url: `${base}/redirect` }), runtime()));
    expect(out).toMatchObject({ status: 200, body: { hello: 'world' } });
  });
});

describe('http executor: failures', () => {
  it('fails a 404 with HTTP_STATUS, the status and a body excerpt, without retrying', async () => {
    const error = failure(await http.execute(input({ url: `${base}/missing`, retries: 3, retryDelay: 1 }), runtime()));
    expect(error.code).toBe('HTTP_STATUS');
    expect(error.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/missing responded 404 Not Found$/);
    expect(error.details).toMatchObject({ status: 404, body: '{"error":"no such thing"}', attempts: 1 });
    expect(hits.get('/missing')).toBe(1);
  });

  it('keeps only the first 2 KiB of an error body, without splitting a character', async () => {
    const error = failure(await http.execute(input({ url: `${base}/huge-error` }), runtime()));
    const body = error.details?.['body'] as string;
    expect(Buffer.byteLength(body)).toBe(2048);
    expect(body).toBe('é'.repeat(1024));
  });

  it("sends the step attempt's Idempotency-Key on every try; a string replaces it, false drops it, a header wins", async () => {
    const key = idempotencyKeyOf({ executionId: 'exec-1', instanceKey: 'call', attempt: 1 });
    const withKey = (config: Record<string, unknown>) => ({ ...input(config), idempotencyKey: key });
    output(await http.execute(withKey({ url: `${base}/flaky`, retries: 3, retryDelay: 1 }), runtime()));
    expect(received.map((r) => r.headers['idempotency-key'])).toEqual([key, key, key]);
    received.length = 0;
    output(await http.execute(withKey({ url: `${base}/json`, idempotencyKey: 'order-42' }), runtime()));
    output(await http.execute(withKey({ url: `${base}/json`, idempotencyKey: false }), runtime()));
    output(await http.execute(withKey({ url: `${base}/json`, headers: { 'Idempotency-Key': 'mine' } }), runtime()));
    expect(received.map((r) => r.headers['idempotency-key'])).toEqual(['order-42', undefined, 'mine']);
    expect(key).toMatch(/^af1_[A-Za-z0-9_-]{43}$/);
    expect(idempotencyKeyOf({ executionId: 'exec-1', instanceKey: 'call', attempt: 2 })).not.toBe(key);
    expect(idempotencyKeyOf({ executionId: 'exec-1', instanceKey: 'call', attempt: 1 })).toBe(key);
  });

  it("creates every request, retries included, inside the step's trace scope (runtime.inTrace)", async () => {
    const { result, inScope } = await requestsCreatedInScope((inTrace) =>
      http.execute(input({ url: `${base}/flaky`, retries: 3, retryDelay: 5 }), { ...runtime(), inTrace }),
    );
    expect(output(result)).toMatchObject({ status: 200 });
    expect(hits.get('/flaky')).toBe(3);
    expect(inScope).toEqual([true, true, true]);
  });

  it('retries 503 and succeeds on the third attempt', async () => {
    const rt = runtime();
    const out = output(await http.execute(input({ url: `${base}/flaky`, retries: 3, retryDelay: 5 }), rt));
    expect(out).toMatchObject({ status: 200, body: { ok: true } });
    expect(hits.get('/flaky')).toBe(3);
    expect(rt.logs.filter((l) => l.level === 'warn')).toHaveLength(2);
    expect(rt.logs[0]?.message).toMatch(/responded 503 .*retry 1 of 3 in \d+ ms/);
    expect(rt.logs.at(-1)).toEqual({ level: 'info', message: expect.stringMatching(/: 200 on attempt 3 of 4$/) });
  });

  it('gives up after the configured retries with the last error', async () => {
    const error = failure(await http.execute(input({ url: `${base}/always-503`, retries: 2, retryDelay: 1 }), runtime()));
    expect(error).toMatchObject({ code: 'HTTP_STATUS', details: { status: 503, body: 'down', attempts: 3 } });
    expect(hits.get('/always-503')).toBe(3);
  });

  it("sends one request when the step's retry strategy owns retrying, and says its own retries are not applied", async () => {
    const rt = runtime();
    const error = failure(await http.execute({ ...input({ url: `${base}/always-503`, retries: 3, retryDelay: 1 }), retryOwner: 'strategy' }, rt));
    expect(error).toMatchObject({ code: 'HTTP_STATUS', details: { status: 503, attempts: 1 } });
    expect(hits.get('/always-503')).toBe(1);
    expect(rt.logs).toEqual([
      { level: 'info', message: expect.stringMatching(/\/always-503: the step's retry strategy retries it: its own retries \(3\) are not applied$/) },
    ]);
  });

  it('applies its own retries when the step owns retrying', async () => {
    const error = failure(await http.execute({ ...input({ url: `${base}/always-503`, retries: 3, retryDelay: 1 }), retryOwner: 'step' }, runtime()));
    expect(error).toMatchObject({ details: { attempts: 4 } });
    expect(hits.get('/always-503')).toBe(4);
  });

  it('honours Retry-After on 429', async () => {
    const rt = runtime();
    const out = output(await http.execute(input({ url: `${base}/limited`, retries: 1, retryDelay: 1 }), rt));
    expect(out).toMatchObject({ status: 200 });
    const [first, second] = received;
    // Loosely: 1 s asked for, retryDelay alone would have waited ~1 ms.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
    expect(rt.logs[0]?.message).toMatch(/in 1000 ms \(Retry-After\)/);
  });

  it('times out an attempt with TIMEOUT', async () => {
    const error = failure(await http.execute(input({ url: `${base}/slow`, timeout: 150 }), runtime()));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/slow timed out after 150 ms$/);
  });

  it('applies the timeout per attempt and retries timeouts', async () => {
    const error = failure(await http.execute(input({ url: `${base}/slow`, timeout: 100, retries: 1, retryDelay: 1 }), runtime()));
    expect(error).toMatchObject({ code: 'TIMEOUT', details: { attempts: 2 } });
    expect(hits.get('/slow')).toBe(2);
  });

  it('reports a refused connection as NETWORK with the error code', async () => {
    const port = await closedPort();
    const error = failure(await http.execute(input({ url: `http://127.0.0.1:${port}/x`, retries: 1, retryDelay: 1 }), runtime()));
    expect(error.code).toBe('NETWORK');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.details).toMatchObject({ code: 'ECONNREFUSED', attempts: 2 });
  });

  it('is CANCELLED when the signal aborts mid-request', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const error = failure(await http.execute(input({ url: `${base}/slow`, timeout: 5_000 }), runtime(controller.signal)));
    expect(error.code).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('is CANCELLED when the signal aborts during a retry wait', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = failure(await http.execute(input({ url: `${base}/always-503`, retries: 3, retryDelay: 5_000 }), runtime(controller.signal)));
    expect(error).toMatchObject({ code: 'CANCELLED', details: { attempts: 1 } });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('leaves no listener on the step’s signal once it ends, retries and waits included', async () => {
    const signal = new AbortController().signal;
    expect((await http.execute(input({ url: `${base}/flaky`, retries: 3, retryDelay: 1 }), runtime(signal))).ok).toBe(true);
    const error = failure(await http.execute(input({ url: `${base}/slow`, timeout: 50, retries: 1, retryDelay: 1 }), runtime(signal)));
    expect(error.code).toBe('TIMEOUT');
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('is CANCELLED without a request when the signal is already aborted', async () => {
    const error = failure(await http.execute(input({ url: `${base}/json` }), runtime(AbortSignal.abort())));
    expect(error.code).toBe('CANCELLED');
    expect(hits.size).toBe(0);
  });

  it('rejects an invalid URL with INVALID_CONFIG', async () => {
    const error = failure(await http.execute(input({ url: 'not a url' }), runtime()));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain('$.config.url');
    expect(error.message).toContain('absolute URL');
  });

  it('rejects a non-http URL with INVALID_CONFIG', async () => {
    const error = failure(await http.execute(input({ url: 'ftp://example.com/file' }), runtime()));
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('must use http or https') });
  });

  it('rejects a config that fails the schema, naming the field', async () => {
    const error = failure(await http.execute(input({ url: `${base}/json`, method: 'FETCH', retries: -1 }), runtime()));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain('$.config.method');
    expect(error.message).toContain('$.config.retries');
    expect(hits.size).toBe(0);
  });

  it('rejects a header undici refuses with INVALID_CONFIG', async () => {
    const error = failure(await http.execute(input({ url: `${base}/json`, headers: { 'x-bad': 'a\r\nb' } }), runtime()));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain('$.config.headers');
  });
});

describe('http executor: response size cap', () => {
  let small: StepExecutor<HttpConfig>;
  beforeAll(() => {
    small = local({ maxResponseBytes: 1024 });
  });
  afterAll(async () => {
    await small.close?.();
  });

  it('fails a body announced larger than the cap, without retrying', async () => {
    const error = failure(await small.execute(input({ url: `${base}/big`, retries: 2, retryDelay: 1 }), runtime()));
    expect(error.code).toBe('NETWORK');
    expect(error.message).toContain('exceeds the limit of 1024 bytes');
    expect(error.details).toMatchObject({ reason: 'RESPONSE_TOO_LARGE', status: 200, limitBytes: 1024, attempts: 1 });
    expect(hits.get('/big')).toBe(1);
  });

  it('fails a streamed body once it passes the cap', async () => {
    const error = failure(await small.execute(input({ url: `${base}/big-chunked` }), runtime()));
    expect(error.details).toMatchObject({ reason: 'RESPONSE_TOO_LARGE' });
  });

  it('does not mistake the announced length of a HEAD response for a body', async () => {
    expect(output(await small.execute(input({ method: 'HEAD', url: `${base}/big` }), runtime()))).toMatchObject({ status: 200, body: null });
  });

  it('still returns bodies under the cap', async () => {
    expect(output(await small.execute(input({ url: `${base}/json` }), runtime())).body).toEqual({ hello: 'world', n: [1, 2] });
  });
});

describe('http executor: lifecycle', () => {
  it('has type "http" and refuses work after close()', async () => {
    const executor = local();
    expect(executor.type).toBe('http');
    await executor.close?.();
    await executor.close?.();
    await expect(executor.execute(input({ url: `${base}/json` }), runtime())).rejects.toThrow(/closed/);
  });
});
