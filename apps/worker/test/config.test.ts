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
    expect(loaded.config).toMatchObject({
      SCRIPT_MAX_TIMEOUT_MS: 300_000,
      SCRIPT_MAX_MEMORY_MB: 512,
      MAX_OUTPUT_BYTES: 1_048_576,
      POISON_THRESHOLD: 3,
      WORKER_DEATH_LIMIT: 10,
      AGENT_SCRIPT_PROCESSES: 2,
    });
  });

  it('names values that make no sense', () => {
    const loaded = loadConfig({
      SCRIPT_MAX_TIMEOUT_MS: '0',
      SCRIPT_MAX_MEMORY_MB: '4',
      MAX_OUTPUT_BYTES: 'lots',
      POISON_THRESHOLD: '0',
      WORKER_DEATH_LIMIT: '0',
      AGENT_SCRIPT_PROCESSES: '0',
    });
    expect(loaded.ok).toBe(false);
    for (const name of [
      'SCRIPT_MAX_TIMEOUT_MS',
      'SCRIPT_MAX_MEMORY_MB',
      'MAX_OUTPUT_BYTES',
      'POISON_THRESHOLD',
      'WORKER_DEATH_LIMIT',
      'AGENT_SCRIPT_PROCESSES',
    ])
      expect(!loaded.ok && loaded.message).toContain(`${name}: `);
  });
});

describe('EGRESS_ALLOW', () => {
  it('is empty by default: http steps reach public addresses only', () => {
    const loaded = loadConfig({});
    if (!loaded.ok) throw new Error(loaded.message);
    expect(loaded.config.EGRESS_ALLOW).toEqual([]);
  });

  it('parses host names, addresses, ranges and ports', () => {
    const loaded = loadConfig({ EGRESS_ALLOW: '127.0.0.1:8080, 10.0.0.0/8,localhost,[::1]:3000' });
    if (!loaded.ok) throw new Error(loaded.message);
    expect(loaded.config.EGRESS_ALLOW.map((entry) => [entry.kind, entry.text, entry.port])).toEqual([
      ['range', '127.0.0.1:8080', 8080],
      ['range', '10.0.0.0/8', undefined],
      ['host', 'localhost', undefined],
      ['range', '[::1]:3000', 3000],
    ]);
  });

  it('refuses to start on a bad entry, naming it', () => {
    const loaded = loadConfig({ EGRESS_ALLOW: '127.0.0.1,10.0.0.1/8,http://x.example,db:99999' });
    expect(loaded.ok).toBe(false);
    const message = !loaded.ok ? loaded.message : '';
    expect(message).toMatch(/^invalid configuration: EGRESS_ALLOW: entry "10\.0\.0\.1\/8": .*did you mean 10\.0\.0\.0\/8/);
    expect(message).toContain('EGRESS_ALLOW: entry "http://x.example": is a URL');
    expect(message).toContain('EGRESS_ALLOW: entry "db:99999": the port must be a number from 1 to 65535');
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
