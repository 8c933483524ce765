import { describe, expect, it } from 'vitest';
import { circuitBreakerDefaults, credentialsIn, loadConfig } from '../src/config.js';

describe('worker circuit breaker settings', () => {
  it('passes on only the variables that are set', () => {
    const loaded = loadConfig({ CIRCUIT_FAILURE_THRESHOLD: '7', CIRCUIT_HALF_OPEN_MAX_ATTEMPTS: '1' });
    if (!loaded.ok) throw new Error(loaded.message);
    expect(circuitBreakerDefaults(loaded.config)).toEqual({ failureThreshold: 7, halfOpenMaxAttempts: 1 });
    const none = loadConfig({});
    if (!none.ok) throw new Error(none.message);
    expect(circuitBreakerDefaults(none.config)).toEqual({});
  });

  it('names invalid values', () => {
    const loaded = loadConfig({ CIRCUIT_FAILURE_THRESHOLD: '0', CIRCUIT_OPEN_TIMEOUT_MS: 'soon' });
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.message).toMatch(/CIRCUIT_FAILURE_THRESHOLD: .*; CIRCUIT_OPEN_TIMEOUT_MS: /);
  });
});

describe('worker limits', () => {
  it('default to a 5-minute, 512 MiB script cap, 1 MiB outputs, quarantine at 3 crashes and 2 agent script processes', () => {
    const loaded = loadConfig({});
    if (!loaded.ok) throw new Error(loaded.message);
    expect(loaded.config).toMatchObject({ SCRIPT_MAX_TIMEOUT_MS: 300_000, SCRIPT_MAX_MEMORY_MB: 512, MAX_OUTPUT_BYTES: 1_048_576, POISON_THRESHOLD: 3, AGENT_SCRIPT_PROCESSES: 2 });
  });

  it('names values that make no sense', () => {
    const loaded = loadConfig({ SCRIPT_MAX_TIMEOUT_MS: '0', SCRIPT_MAX_MEMORY_MB: '4', MAX_OUTPUT_BYTES: 'lots', POISON_THRESHOLD: '0', AGENT_SCRIPT_PROCESSES: '0' });
    expect(loaded.ok).toBe(false);
    for (const name of ['SCRIPT_MAX_TIMEOUT_MS', 'SCRIPT_MAX_MEMORY_MB', 'MAX_OUTPUT_BYTES', 'POISON_THRESHOLD', 'AGENT_SCRIPT_PROCESSES']) expect(!loaded.ok && loaded.message).toContain(`${name}: `);
  });
});

describe('credentialsIn', () => {
  it('finds API keys, tokens, passwords and the Redis password, and nothing else', () => {
    expect(
      credentialsIn({
        OPENAI_API_KEY: 'sk-1',
        AGENT_PROVIDER_OLLAMA_API_KEY: 'ol-2',
        GITHUB_TOKEN: 'gh-3',
        EMPTY_TOKEN: '',
        REDIS_URL: 'redis://:p%40ss@redis:6379',
        AGENT_MODEL: 'gpt',
        AF_SECRET_X: 'resolved as a secret template elsewhere',
      }).sort(),
    ).toEqual(['gh-3', 'ol-2', 'p@ss', 'sk-1']);
    expect(credentialsIn({ REDIS_URL: 'not a url' })).toEqual([]);
  });
});
