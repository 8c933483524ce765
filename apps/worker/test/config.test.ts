import { describe, expect, it } from 'vitest';
import { circuitBreakerDefaults, loadConfig } from '../src/config.js';

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
