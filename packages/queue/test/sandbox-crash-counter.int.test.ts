import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis, type TestRedis } from '@agentic-flow/testing';
import { SandboxCrashCounter, createRedisConnection, sandboxCrashKey } from '@agentic-flow/queue';
import type { Redis } from 'ioredis';

let redis: TestRedis;
let connection: Redis;

beforeAll(async () => {
  redis = await testRedis();
  connection = createRedisConnection(redis.url, { role: 'producer' });
});
afterAll(async () => {
  connection?.disconnect();
  await redis?.cleanup();
});

describe('SandboxCrashCounter on a real Redis', () => {
  it('counts the crashes of each run separately, under <prefix>:sandbox-crashes:<run id>', async () => {
    const counter = new SandboxCrashCounter({ connection, prefix: redis.prefix });
    const [a, b] = [randomUUID(), randomUUID()];
    expect([await counter.record(a), await counter.record(a), await counter.record(b), await counter.record(a)]).toEqual([1, 2, 1, 3]);
    expect(await connection.get(`${redis.prefix}:sandbox-crashes:${a}`)).toBe('3');
    expect(sandboxCrashKey(b, redis.prefix)).toBe(`${redis.prefix}:sandbox-crashes:${b}`);
  });

  it('lets a count lapse its TTL after the last crash, renewed by each crash', async () => {
    const counter = new SandboxCrashCounter({ connection, prefix: redis.prefix, ttlMs: 60_000 });
    const run = randomUUID();
    await counter.record(run);
    await connection.pexpire(sandboxCrashKey(run, redis.prefix), 10);
    await counter.record(run);
    const ttl = await connection.pttl(sandboxCrashKey(run, redis.prefix));
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);

    const short = new SandboxCrashCounter({ connection, prefix: redis.prefix, ttlMs: 50 });
    const lapsing = randomUUID();
    expect(await short.record(lapsing)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await short.record(lapsing)).toBe(1);
  });

  it('rejects when Redis cannot be reached', async () => {
    const down = createRedisConnection('redis://127.0.0.1:1', { role: 'producer' });
    down.on('error', () => undefined);
    try {
      await expect(new SandboxCrashCounter({ connection: down, prefix: redis.prefix }).record(randomUUID())).rejects.toThrow();
    } finally {
      down.disconnect();
    }
  });
});
