import { stepError, type StepErrorCode } from '@agentic-flow/spec';
import { describe, expect, it } from 'vitest';
import { createAgentExecutor } from '../src/agent/agent-executor.js';
import { AGENT_EXECUTOR_TRAITS } from '../src/agent/agent-traits.js';

const { circuitKey, circuitVerdict } = AGENT_EXECUTOR_TRAITS;
const failure = (code: StepErrorCode, details?: Record<string, unknown>) => stepError(code, 'x', details);

describe('the agent-task type, as the worker sees it', () => {
  it('keys a step\'s breaker by its provider, "default" when it names none', () => {
    expect(circuitKey({ goal: 'g', provider: 'openai' })).toBe('agent-task:openai');
    expect(circuitKey({ goal: 'g' })).toBe('agent-task:default');
    expect(circuitKey({ goal: 'g', provider: '' })).toBe('agent-task:default');
    expect(circuitKey(null)).toBe('agent-task:default');
  });

  it('counts a provider that failed with 5xx, 429 or no answer as a failure, other statuses as an answer', () => {
    for (const status of [500, 503, 429])
      expect([status, circuitVerdict(failure('AGENT_PROVIDER', { provider: 'openai', status, attempts: 4 }))]).toEqual([status, 'failure']);
    expect(circuitVerdict(failure('AGENT_PROVIDER', { provider: 'openai', attempts: 4, code: 'ECONNREFUSED' }))).toBe('failure');
    expect(circuitVerdict(failure('AGENT_PROVIDER'))).toBe('failure');
    for (const status of [400, 401, 404])
      expect([status, circuitVerdict(failure('AGENT_PROVIDER', { provider: 'openai', status, attempts: 1 }))]).toEqual([status, 'success']);
  });

  it('counts bad answers, used-up turns and budgets as answers of the provider', () => {
    expect(circuitVerdict(failure('AGENT_OUTPUT', { reason: 'not_json' }))).toBe('success');
    expect(circuitVerdict(failure('AGENT_MAX_TURNS', { maxTurns: 3 }))).toBe('success');
    expect(circuitVerdict(failure('AGENT_BUDGET', { budget: 100, used: 120 }))).toBe('success');
    // Out of budget before the first call: the provider was never asked.
    expect(circuitVerdict(failure('AGENT_BUDGET', { budget: 0, used: 0 }))).toBe('ignore');
  });

  it('leaves codes that are not its own to the worker', () => {
    for (const code of ['NETWORK', 'TIMEOUT', 'HTTP_STATUS', 'INVALID_CONFIG'] as const)
      expect([code, circuitVerdict(failure(code))]).toEqual([code, undefined]);
  });

  it('runs ten steps at once by default, and the executor gives the same answers', () => {
    const executor = createAgentExecutor({ providers: { resolve: () => undefined, names: () => [] } });
    expect(executor).toMatchObject({ type: 'agent-task', defaultConcurrency: 10, circuitKey, circuitVerdict });
  });
});
