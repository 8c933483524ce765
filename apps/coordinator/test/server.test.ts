import { Writable } from 'node:stream';
import { createLogger } from '@agentic-flow/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitedError, UnauthenticatedError } from '../src/auth/access-refusals.js';
import { DOMAIN_ERROR_CODES, DomainError, type DomainErrorCode } from '../src/errors/domain-error.js';
import { InvalidInputError } from '../src/errors/invalid-input-error.js';
import { API_ERROR_CODES } from '../src/http/api-error.js';
import { createServer } from '../src/http/server.js';

/** The HTTP shell alone (no database, no Redis): the body gate and the error handler, through fastify's inject. */
describe('the coordinator HTTP server', () => {
  const lines: string[] = [];
  const app = createServer({
    logger: createLogger({ name: 'test', level: 'warn', destination: new Writable({ write: (chunk, _enc, done) => done(void lines.push(String(chunk))) }) }),
    bodyLimit: 1024 * 1024,
  });

  beforeAll(async () => {
    app.post('/echo', async (request) => request.body ?? null);
    app.post('/echo-definition', { config: { bodyIsDocument: true } }, async (request) => request.body ?? null);
    // What a route would throw if text PostgreSQL refuses still reached it.
    app.get('/pg/:code', async (request) => {
      throw new Error('Failed query', {
        cause: Object.assign(new Error('unsupported Unicode escape sequence'), { code: (request.params as { code: string }).code }),
      });
    });
    // What services throw: domain errors, which know no status.
    app.get('/domain/:code', async (request) => {
      const code = (request.params as { code: DomainErrorCode }).code;
      throw new DomainError(code, `refused with ${code}`);
    });
    app.get('/invalid', async () => {
      throw new InvalidInputError([{ path: '$.body.a', message: 'is wrong' }], 'body');
    });
    app.get('/unauthenticated/:sent', async (request) => {
      throw new UnauthenticatedError('no key', (request.params as { sent: string }).sent === 'sent');
    });
    // As access control refuses: from an onRequest hook, after headers of its own.
    app.get(
      '/limited',
      {
        onRequest: async (_request, reply) => {
          void reply.header('ratelimit-remaining', 0);
          throw new RateLimitedError('too many calls', 7);
        },
      },
      async () => 'unreached',
    );
    await app.ready();
  });
  afterAll(() => app.close());

  it("answers PostgreSQL's invalid-text errors with 400 INVALID_TEXT as a last line of defence, and warns", async () => {
    for (const code of ['22P05', '22021']) {
      const response = await app.inject({ method: 'GET', url: `/pg/${code}` });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: { code: 'INVALID_TEXT', message: expect.any(String), problems: [{ path: '$', message: expect.stringContaining('cannot store') }] },
      });
    }
    expect(lines.some((line) => line.includes('PostgreSQL refused text the input gate let through'))).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/pg/42P01' })).statusCode).toBe(500);
  });

  it('hands routes the parsed JSON or YAML value, and roots problems where the route does', async () => {
    expect((await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":[1,"😀"]}' })).json()).toEqual({
      a: [1, '😀'],
    });
    expect((await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/yaml' }, payload: 'a: [1, x]' })).json()).toEqual({
      a: [1, 'x'],
    });
    const nul = '{"a":{"b c":"\\u0000"}}';
    expect((await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: nul })).json().error.problems).toEqual([
      { path: '$.body.a["b c"]', message: expect.stringContaining('NUL') },
    ]);
    expect(
      (await app.inject({ method: 'POST', url: '/echo-definition', headers: { 'content-type': 'application/json' }, payload: nul })).json().error.problems,
    ).toEqual([{ path: '$.a["b c"]', message: expect.stringContaining('NUL') }]);
  });

  it('refuses prototype poisoning and says where JSON broke', async () => {
    const poisoned = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{"x":1}}' });
    expect(poisoned.json()).toEqual({ error: { code: 'INVALID_JSON', message: expect.stringContaining('__proto__') } });
    const broken = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(broken.json()).toEqual({ error: { code: 'INVALID_JSON', message: expect.stringMatching(/^request body is not valid JSON: .+/) } });
  });

  it("answers every domain error with its code's status and body, the status decided here alone", async () => {
    for (const code of DOMAIN_ERROR_CODES) {
      const response = await app.inject({ method: 'GET', url: `/domain/${code}` });
      expect([code, response.statusCode, response.json()]).toEqual([code, API_ERROR_CODES[code], { error: { code, message: `refused with ${code}` } }]);
    }
    expect(lines.some((line) => line.includes('refused with INTERNAL'))).toBe(true);
    const invalid = await app.inject({ method: 'GET', url: '/invalid' });
    expect([invalid.statusCode, invalid.json()]).toEqual([
      400,
      { error: { code: 'VALIDATION_FAILED', message: 'invalid body: 1 problem', problems: [{ path: '$.body.a', message: 'is wrong' }] } },
    ]);
  });

  it('adds the headers access refusals need, keeping those set before the refusal', async () => {
    const missing = await app.inject({ method: 'GET', url: '/unauthenticated/none' });
    expect([missing.statusCode, missing.headers['www-authenticate']]).toEqual([401, 'Bearer realm="agentic-flow"']);
    const rejected = await app.inject({ method: 'GET', url: '/unauthenticated/sent' });
    expect([rejected.statusCode, rejected.headers['www-authenticate']]).toEqual([401, 'Bearer realm="agentic-flow", error="invalid_token"']);
    const limited = await app.inject({ method: 'GET', url: '/limited' });
    expect([limited.statusCode, limited.headers['retry-after'], limited.headers['ratelimit-remaining'], limited.json()]).toEqual([
      429,
      '7',
      '0',
      { error: { code: 'RATE_LIMITED', message: 'too many calls' } },
    ]);
  });
});
