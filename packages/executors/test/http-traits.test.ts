import { stepError, type StepErrorCode } from '@agentic-flow/spec';
import { describe, expect, it } from 'vitest';
import { createHttpExecutor } from '../src/http/http-executor.js';
import { HTTP_EXECUTOR_TRAITS } from '../src/http/http-traits.js';

const { circuitKey, circuitVerdict } = HTTP_EXECUTOR_TRAITS;
const failure = (code: StepErrorCode, details?: Record<string, unknown>) => stepError(code, 'x', details);

describe('the http type, as the worker sees it', () => {
  it("keys a step's breaker by its URL's host and port, with the scheme's default port", () => {
    expect(circuitKey({ url: 'https://api.example.com/v1/x?token=secret' })).toBe('http:api.example.com:443');
    expect(circuitKey({ url: 'http://API.Example.com/x' })).toBe('http:api.example.com:80');
    expect(circuitKey({ url: 'http://user:pw@127.0.0.1:8080/x' })).toBe('http:127.0.0.1:8080');
    expect(circuitKey({ url: 'http://[::1]:3000/' })).toBe('http:[::1]:3000');
  });

  it('gives a step without a usable URL no breaker (the executor fails it with INVALID_CONFIG)', () => {
    expect(circuitKey({ url: 'not a url' })).toBeUndefined();
    expect(circuitKey({ url: 'ftp://example.com/' })).toBeUndefined();
    expect(circuitKey({ url: 42 })).toBeUndefined();
    expect(circuitKey({})).toBeUndefined();
    expect(circuitKey(null)).toBeUndefined();
  });

  it('counts a 5xx or a 429 as a failure of the server, any other status as an answer', () => {
    for (const status of [500, 502, 503, 429]) expect([status, circuitVerdict(failure('HTTP_STATUS', { status }))]).toEqual([status, 'failure']);
    for (const status of [400, 401, 404, 409]) expect([status, circuitVerdict(failure('HTTP_STATUS', { status }))]).toEqual([status, 'success']);
    expect(circuitVerdict(failure('HTTP_STATUS'))).toBe('success');
  });

  it('leaves codes that are not its own to the worker', () => {
    for (const code of ['NETWORK', 'TIMEOUT', 'EGRESS_DENIED', 'AGENT_PROVIDER'] as const)
      expect([code, circuitVerdict(failure(code))]).toEqual([code, undefined]);
  });

  it('runs many steps at once (they wait on the network), and the executor gives the same answers', async () => {
    expect(HTTP_EXECUTOR_TRAITS.defaultConcurrency).toBe(50);
    const executor = createHttpExecutor();
    expect(executor).toMatchObject({ type: 'http', defaultConcurrency: 50, circuitKey, circuitVerdict });
    await executor.close?.();
  });
});
