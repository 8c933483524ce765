import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testRedis, type TestRedis } from '@agentic-flow/testing';
import {
  CircuitBreaker,
  circuitBreakerKeys,
  createRedisConnection,
  listCircuitBreakers,
  readCircuitBreakerConfig,
  resetCircuitBreaker,
  writeCircuitBreakerConfig,
  type CircuitDecision,
  type CircuitPermit,
} from '@agentic-flow/queue';
import type { Redis } from 'ioredis';

let redis: TestRedis;
let connectionA: Redis;
let connectionB: Redis;

beforeAll(async () => {
  redis = await testRedis();
  connectionA = createRedisConnection(redis.url, { role: 'producer', connectionName: 'breaker-test-a' });
  connectionB = createRedisConnection(redis.url, { role: 'producer', connectionName: 'breaker-test-b' });
});
afterAll(async () => {
  connectionA?.disconnect();
  connectionB?.disconnect();
  await redis?.cleanup();
});

const T0 = 1_700_000_000_000;
let counter = 0;
/** A breaker key of the test's own, so tests sharing the prefix never see each other's state. */
const uniqueKey = (): string => `http:host-${++counter}.example.com:443`;

/** A breaker under a prefix of its own (the config hash is per prefix). */
const breaker = (
  connection: Redis,
  prefix: string = redis.prefix,
  defaults = { failureThreshold: 3, timeoutMs: 10_000, halfOpenMaxAttempts: 2 },
): CircuitBreaker => new CircuitBreaker({ connection, prefix, defaults });

function permit(decision: CircuitDecision): CircuitPermit {
  if (!decision.allowed) throw new Error(`expected a permit, got ${JSON.stringify(decision)}`);
  return decision;
}

async function fail(b: CircuitBreaker, key: string, times: number, now: number): Promise<void> {
  for (let i = 0; i < times; i++) await b.record(permit(await b.acquire(key, now)), 'failure', now);
}

describe('CircuitBreaker against real Redis', () => {
  it('opens after the threshold of consecutive failures and rejects at once while open', async () => {
    const b = breaker(connectionA);
    const key = uniqueKey();
    await fail(b, key, 2, T0);
    expect((await b.acquire(key, T0)).allowed).toBe(true);
    const p = permit(await b.acquire(key, T0 + 1));
    expect(await b.record(p, 'failure', T0 + 1)).toBe('open');

    const rejected = await b.acquire(key, T0 + 5_000);
    expect(rejected).toEqual({ allowed: false, key, state: 'open', failures: 3, openedAt: T0 + 1, retryAfterMs: 5_001, halfOpenInFlight: 0 });
    expect((await b.acquire(key, T0 + 10_000)).allowed).toBe(false); // 1 ms before the timeout
  });

  it('counts the late failure of a call let through before it opened, without moving openedAt', async () => {
    const b = breaker(connectionA);
    const key = uniqueKey();
    const early = permit(await b.acquire(key, T0));
    await fail(b, key, 3, T0 + 1);
    expect(await b.record(early, 'failure', T0 + 500)).toBe('open');
    expect(await b.acquire(key, T0 + 1_000)).toMatchObject({ allowed: false, state: 'open', failures: 4, openedAt: T0 + 1 });
    // A late success says nothing about the target now.
    expect(await b.record(early, 'success', T0 + 600)).toBe('open');
    expect(await b.acquire(key, T0 + 1_000)).toMatchObject({ allowed: false, failures: 4, openedAt: T0 + 1 });
  });

  it('resets the count on a success in between', async () => {
    const b = breaker(connectionA);
    const key = uniqueKey();
    await fail(b, key, 2, T0);
    expect(await b.record(permit(await b.acquire(key, T0)), 'success', T0)).toBe('closed');
    await fail(b, key, 2, T0);
    expect((await b.acquire(key, T0)).allowed).toBe(true);
    // "ignore" neither counts nor resets.
    expect(await b.record(permit(await b.acquire(key, T0)), 'ignore', T0)).toBe('closed');
    await fail(b, key, 1, T0);
    expect((await b.acquire(key, T0)).allowed).toBe(false);
  });

  it('turns half-open after the timeout and allows exactly halfOpenMaxAttempts concurrent trials', async () => {
    const b = breaker(connectionA);
    const key = uniqueKey();
    await fail(b, key, 3, T0);
    const later = T0 + 10_000;
    const decisions = await Promise.all(Array.from({ length: 5 }, () => b.acquire(key, later)));
    const allowed = decisions.filter((d): d is CircuitPermit => d.allowed);
    expect(allowed).toHaveLength(2);
    expect(allowed.every((d) => d.trial)).toBe(true);
    expect(decisions.filter((d) => !d.allowed).every((d) => !d.allowed && d.state === 'half-open' && d.halfOpenInFlight === 2)).toBe(true);

    // Releasing a trial without a verdict frees its slot.
    expect(await b.record(allowed[0]!, 'ignore', later)).toBe('half-open');
    const another = permit(await b.acquire(key, later));
    expect(another.trial).toBe(true);
    expect((await b.acquire(key, later)).allowed).toBe(false);
  });

  it('closes on a trial success', async () => {
    const b = breaker(connectionA);
    const key = uniqueKey();
    await fail(b, key, 3, T0);
    const trial = permit(await b.acquire(key, T0 + 10_000));
    const second = permit(await b.acquire(key, T0 + 10_000));
    expect(await b.record(trial, 'success', T0 + 10_001)).toBe('closed');
    const after = permit(await b.acquire(key, T0 + 10_002));
    expect(after.trial).toBe(false);
    // The other trial's late failure belongs to a finished round: it counts as an ordinary failure.
    expect(await b.record(second, 'failure', T0 + 10_003)).toBe('closed');
    await fail(b, key, 1, T0 + 10_004);
    expect((await b.acquire(key, T0 + 10_005)).allowed).toBe(true);
    await fail(b, key, 1, T0 + 10_006);
    expect((await b.acquire(key, T0 + 10_007)).allowed).toBe(false);
  });

  it('re-opens on a trial failure, with a new openedAt', async () => {
    const b = breaker(connectionA);
    const key = uniqueKey();
    await fail(b, key, 3, T0);
    const reopenedAt = T0 + 12_000;
    const trial = permit(await b.acquire(key, T0 + 10_000));
    expect(await b.record(trial, 'failure', reopenedAt)).toBe('open');
    const rejected = await b.acquire(key, T0 + 15_000);
    expect(rejected).toMatchObject({ allowed: false, state: 'open', openedAt: reopenedAt, failures: 4, retryAfterMs: 7_000 });
    expect((await b.acquire(key, reopenedAt + 10_000)).allowed).toBe(true);
  });

  it('lets a new round of trials through when the trials in flight never report for a whole timeout', async () => {
    const b = breaker(connectionA);
    const key = uniqueKey();
    await fail(b, key, 3, T0);
    const lost = [permit(await b.acquire(key, T0 + 10_000)), permit(await b.acquire(key, T0 + 10_000))];
    expect((await b.acquire(key, T0 + 19_999)).allowed).toBe(false);
    const fresh = permit(await b.acquire(key, T0 + 20_000));
    // A verdict from the lost round does not decide the new one.
    expect(await b.record(lost[0]!, 'failure', T0 + 20_001)).toBe('half-open');
    expect(await b.record(fresh, 'success', T0 + 20_002)).toBe('closed');
  });

  it('shares the state between two breakers on two connections (two worker processes)', async () => {
    const a = breaker(connectionA);
    const b = breaker(connectionB);
    const key = uniqueKey();
    await fail(a, key, 2, T0);
    await fail(b, key, 1, T0);
    expect((await a.acquire(key, T0 + 1)).allowed).toBe(false);
    expect((await b.acquire(key, T0 + 1)).allowed).toBe(false);
    const trialA = permit(await a.acquire(key, T0 + 10_000));
    const trialB = permit(await b.acquire(key, T0 + 10_000));
    expect([trialA.trial, trialB.trial]).toEqual([true, true]);
    expect((await a.acquire(key, T0 + 10_000)).allowed).toBe(false);
    expect(await b.record(trialB, 'success', T0 + 10_001)).toBe('closed');
    expect(permit(await a.acquire(key, T0 + 10_002)).trial).toBe(false);
  });

  it('takes its configuration from the Redis hash over its defaults, field by field', async () => {
    const own = await testRedis();
    try {
      await writeCircuitBreakerConfig(connectionA, { failureThreshold: 2, timeoutMs: 1_000 }, { prefix: own.prefix });
      expect(await readCircuitBreakerConfig(connectionA, { prefix: own.prefix })).toEqual({ failureThreshold: 2, timeoutMs: 1_000 });
      const b = breaker(connectionB, own.prefix, { failureThreshold: 5, timeoutMs: 30_000, halfOpenMaxAttempts: 4 });
      expect(await b.config()).toEqual({ failureThreshold: 2, timeoutMs: 1_000, halfOpenMaxAttempts: 4 });
      const key = uniqueKey();
      await fail(b, key, 2, T0);
      expect((await b.acquire(key, T0 + 999)).allowed).toBe(false);
      expect((await b.acquire(key, T0 + 1_000)).allowed).toBe(true);

      // Cached until the refresh interval passes (forced here); null removes a field.
      await writeCircuitBreakerConfig(connectionA, { failureThreshold: null, halfOpenMaxAttempts: 1 }, { prefix: own.prefix });
      expect((await b.config()).failureThreshold).toBe(2);
      b.refreshConfig();
      expect(await b.config()).toEqual({ failureThreshold: 5, timeoutMs: 1_000, halfOpenMaxAttempts: 1 });

      // Invalid values are refused on write and ignored on read.
      await expect(writeCircuitBreakerConfig(connectionA, { timeoutMs: -1 }, { prefix: own.prefix })).rejects.toThrow(RangeError);
      await connectionA.hset(circuitBreakerKeys(own.prefix).config, 'failureThreshold', 'lots');
      b.refreshConfig();
      expect((await b.config()).failureThreshold).toBe(5);
    } finally {
      await own.cleanup();
    }
  });

  it('reads the config hash at most once per refresh interval', async () => {
    const own = await testRedis();
    try {
      const b = new CircuitBreaker({ connection: connectionA, prefix: own.prefix, configRefreshMs: 60_000 });
      await Promise.all([b.config(), b.config(), b.acquire(uniqueKey())]);
      await writeCircuitBreakerConfig(connectionA, { failureThreshold: 9 }, { prefix: own.prefix });
      expect((await b.config()).failureThreshold).toBe(5);
    } finally {
      await own.cleanup();
    }
  });

  it('lists every breaker under the prefix with its state', async () => {
    const own = await testRedis();
    try {
      const b = breaker(connectionA, own.prefix);
      await fail(b, 'http:open.example.com:443', 3, T0);
      await fail(b, 'agent-task:openai', 3, T0);
      permit(await b.acquire('agent-task:openai', T0 + 10_000));
      await fail(b, 'http:flaky.example.com:80', 1, T0);
      await b.record(permit(await b.acquire('agent-task:default', T0)), 'success', T0);
      expect(await listCircuitBreakers(connectionB, { prefix: own.prefix })).toEqual([
        { key: 'agent-task:default', state: 'closed', failures: 0, halfOpenInFlight: 0 },
        { key: 'agent-task:openai', state: 'half-open', failures: 3, openedAt: T0, halfOpenInFlight: 1 },
        { key: 'http:flaky.example.com:80', state: 'closed', failures: 1, halfOpenInFlight: 0 },
        { key: 'http:open.example.com:443', state: 'open', failures: 3, openedAt: T0, halfOpenInFlight: 0 },
      ]);
      await resetCircuitBreaker(connectionA, 'http:open.example.com:443', { prefix: own.prefix });
      expect((await b.acquire('http:open.example.com:443', T0 + 1)).allowed).toBe(true);
      expect((await listCircuitBreakers(connectionB, { prefix: own.prefix })).map((s) => s.key)).not.toContain('http:open.example.com:443');
    } finally {
      await own.cleanup();
    }
  });

  it('costs one EVALSHA per acquire and per record', async () => {
    const own = await testRedis();
    const connection = createRedisConnection(redis.url, { role: 'producer' });
    try {
      const b = breaker(connection, own.prefix);
      const key = uniqueKey();
      await b.record(permit(await b.acquire(key, T0)), 'failure', T0); // reads the config, loads the scripts
      const sent: string[] = [];
      const send = connection.sendCommand.bind(connection);
      vi.spyOn(connection, 'sendCommand').mockImplementation((command, ...rest) => {
        sent.push(command.name);
        return send(command, ...rest);
      });
      for (let i = 0; i < 5; i++) await b.record(permit(await b.acquire(key, T0)), 'success', T0);
      expect(sent).toEqual(Array.from({ length: 10 }, () => 'evalsha'));
    } finally {
      connection.disconnect();
      await own.cleanup();
    }
  });
});
