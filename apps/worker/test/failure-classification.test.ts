import { STEP_ERROR_CODES, stepError, type StepErrorCode } from '@agentic-flow/spec';
import { describe, expect, it } from 'vitest';
import { circuitKeyFor } from '../src/circuit-key.js';
import { circuitVerdict, isRetryableFailure } from '../src/failure-classification.js';

const failed = (code: StepErrorCode, details?: Record<string, unknown>) => ({ ok: false as const, error: stepError(code, 'x', details) });

describe('isRetryableFailure', () => {
  it('retries every failure except those of the step itself, and a step quarantined as POISON', () => {
    const never = ['INVALID_CONFIG', 'TEMPLATE', 'UNSUPPORTED_STEP_TYPE', 'MODULE_NOT_ALLOWED', 'OUTPUT_NOT_SERIALIZABLE', 'OUTPUT_TOO_LARGE', 'AGENT_BUDGET', 'POISON', 'EGRESS_DENIED'];
    for (const code of STEP_ERROR_CODES) expect([code, isRetryableFailure(stepError(code, 'x'))]).toEqual([code, !never.includes(code)]);
    // A crashed sandbox process may be bad luck (a neighbour's memory, a kill): retried until quarantined.
    expect(isRetryableFailure(stepError('SANDBOX_CRASHED', 'x'))).toBe(true);
  });
});

describe('circuitVerdict', () => {
  it('counts network errors, timeouts, crashes, 5xx and 429 as failures of the target', () => {
    expect(circuitVerdict(failed('NETWORK'))).toBe('failure');
    expect(circuitVerdict(failed('TIMEOUT'))).toBe('failure');
    expect(circuitVerdict(failed('INTERNAL'))).toBe('failure');
    expect(circuitVerdict(failed('HTTP_STATUS', { status: 500 }))).toBe('failure');
    expect(circuitVerdict(failed('HTTP_STATUS', { status: 503 }))).toBe('failure');
    expect(circuitVerdict(failed('HTTP_STATUS', { status: 429 }))).toBe('failure');
  });

  it('counts an answer that blames the request (4xx, script errors) as a success', () => {
    expect(circuitVerdict({ ok: true, output: 1 })).toBe('success');
    expect(circuitVerdict(failed('HTTP_STATUS', { status: 404 }))).toBe('success');
    expect(circuitVerdict(failed('HTTP_STATUS', { status: 400 }))).toBe('success');
    expect(circuitVerdict(failed('HTTP_STATUS'))).toBe('success');
    expect(circuitVerdict(failed('SCRIPT_ERROR'))).toBe('success');
    expect(circuitVerdict(failed('OUTPUT_NOT_SERIALIZABLE'))).toBe('success');
  });

  it('counts an agent provider that failed with 5xx, 429 or no answer as a failure, other statuses as a success', () => {
    expect(circuitVerdict(failed('AGENT_PROVIDER', { provider: 'openai', status: 500, attempts: 4 }))).toBe('failure');
    expect(circuitVerdict(failed('AGENT_PROVIDER', { provider: 'openai', status: 503, attempts: 4 }))).toBe('failure');
    expect(circuitVerdict(failed('AGENT_PROVIDER', { provider: 'openai', status: 429, attempts: 4 }))).toBe('failure');
    expect(circuitVerdict(failed('AGENT_PROVIDER', { provider: 'openai', attempts: 4, code: 'ECONNREFUSED' }))).toBe('failure');
    expect(circuitVerdict(failed('AGENT_PROVIDER'))).toBe('failure');
    expect(circuitVerdict(failed('AGENT_PROVIDER', { provider: 'openai', status: 400, attempts: 1 }))).toBe('success');
    expect(circuitVerdict(failed('AGENT_PROVIDER', { provider: 'openai', status: 401, attempts: 1 }))).toBe('success');
    expect(circuitVerdict(failed('AGENT_PROVIDER', { provider: 'openai', status: 404, attempts: 1 }))).toBe('success');
  });

  it('counts bad agent answers, used-up turns and budgets as successes of the provider', () => {
    expect(circuitVerdict(failed('AGENT_OUTPUT', { reason: 'not_json' }))).toBe('success');
    expect(circuitVerdict(failed('AGENT_MAX_TURNS', { maxTurns: 3 }))).toBe('success');
    expect(circuitVerdict(failed('AGENT_BUDGET', { budget: 100, used: 120 }))).toBe('success');
    // Out of budget before the first call: the provider was never asked.
    expect(circuitVerdict(failed('AGENT_BUDGET', { budget: 0, used: 0 }))).toBe('ignore');
  });

  it('ignores outcomes that never reached the target, and cancelled steps', () => {
    for (const code of ['INVALID_CONFIG', 'TEMPLATE', 'CANCELLED', 'CIRCUIT_OPEN', 'UNSUPPORTED_STEP_TYPE', 'MODULE_NOT_ALLOWED', 'EGRESS_DENIED'] as const) {
      expect([code, circuitVerdict(failed(code))]).toEqual([code, 'ignore']);
    }
    expect(circuitVerdict(failed('NETWORK'), true)).toBe('ignore');
    expect(circuitVerdict({ ok: true, output: 1 }, true)).toBe('ignore');
  });
});

describe('circuitKeyFor', () => {
  it('keys http steps by host and port, with the scheme default port', () => {
    expect(circuitKeyFor('http', { url: 'https://api.example.com/v1/x?token=secret' })).toBe('http:api.example.com:443');
    expect(circuitKeyFor('http', { url: 'http://API.Example.com/x' })).toBe('http:api.example.com:80');
    expect(circuitKeyFor('http', { url: 'http://user:pw@127.0.0.1:8080/x' })).toBe('http:127.0.0.1:8080');
    expect(circuitKeyFor('http', { url: 'http://[::1]:3000/' })).toBe('http:[::1]:3000');
  });

  it('gives http steps without a usable URL no breaker', () => {
    expect(circuitKeyFor('http', { url: 'not a url' })).toBeUndefined();
    expect(circuitKeyFor('http', { url: 'ftp://example.com/' })).toBeUndefined();
    expect(circuitKeyFor('http', { url: 42 })).toBeUndefined();
    expect(circuitKeyFor('http', null)).toBeUndefined();
  });

  it('keys agent tasks by provider, "default" when none is named', () => {
    expect(circuitKeyFor('agent-task', { goal: 'g', provider: 'openai' })).toBe('agent-task:openai');
    expect(circuitKeyFor('agent-task', { goal: 'g' })).toBe('agent-task:default');
    expect(circuitKeyFor('agent-task', { goal: 'g', provider: '' })).toBe('agent-task:default');
  });

  it('gives scripts and other step types none', () => {
    expect(circuitKeyFor('script', { code: 'return 1' })).toBeUndefined();
    expect(circuitKeyFor('something', { url: 'https://example.com' })).toBeUndefined();
  });
});
