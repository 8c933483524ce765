import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis, type TestRedis } from '@agentic-flow/testing';
import { RedisLossDetector } from '../src/redis-loss.js';

describe('RedisLossDetector', () => {
  let redis: TestRedis;
  let connection: Redis;

  beforeAll(async () => {
    redis = await testRedis();
    connection = new Redis(redis.url);
  });
  afterAll(async () => {
    connection?.disconnect();
    await redis?.cleanup();
  });

  it('says nothing at first and while the sentinel stays, and tells once when Redis lost it', async () => {
    const detector = new RedisLossDetector(connection, redis.prefix, 'worker-a');
    const other = new RedisLossDetector(connection, redis.prefix, 'worker-b');
    expect(await detector.lostSinceLastLook()).toBe(false);
    expect(await other.lostSinceLastLook()).toBe(false);
    expect(await detector.lostSinceLastLook()).toBe(false);
    // What a FLUSHALL does to this prefix's keys.
    await redis.cleanup();
    expect(await detector.lostSinceLastLook()).toBe(true);
    expect(await detector.lostSinceLastLook()).toBe(false);
    // Every process notices for itself: one noticing first does not hide the loss from the others.
    expect(await other.lostSinceLastLook()).toBe(true);
  });
});
