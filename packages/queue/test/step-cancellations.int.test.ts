import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis, type TestRedis } from '@agentic-flow/testing';
import {
  StepCancellationPublisher,
  StepCancellationSubscriber,
  createRedisConnection,
  stepCancellationKeys,
  type CancellationSource,
} from '@agentic-flow/queue';
import { Redis } from 'ioredis';

let redis: TestRedis;
const connections: Redis[] = [];
const connect = (role: 'blocking' | 'producer') => {
  const c = createRedisConnection(redis.url, { role });
  connections.push(c);
  return c;
};

beforeAll(async () => {
  redis = await testRedis();
});
afterAll(async () => {
  connections.forEach((c) => c.disconnect());
  await redis?.cleanup();
});

/** A subscriber that records what it was told; `running` is the set of ids it pretends to run. */
async function subscriber(prefix: string, running: string[] = [], subscription: Redis = connect('blocking')) {
  const cancelled: { ids: string[]; source: CancellationSource }[] = [];
  const errors: unknown[] = [];
  const s = new StepCancellationSubscriber({
    subscription,
    commands: connect('producer'),
    prefix,
    running: () => running,
    onCancel: (ids, source) => cancelled.push({ ids, source }),
    onError: (error) => errors.push(error),
  });
  await s.start();
  return { s, cancelled, errors, subscription };
}

describe('StepCancellationPublisher and StepCancellationSubscriber on a real Redis', () => {
  it('delivers one message per publish, with every id, to every subscriber', async () => {
    const prefix = `${redis.prefix}-fanout`;
    const [a, b] = await Promise.all([subscriber(prefix), subscriber(prefix)]);
    const publisher = new StepCancellationPublisher({ connection: connect('producer'), prefix });
    const ids = [randomUUID(), randomUUID()];
    expect(await publisher.publish(ids)).toBe(2);
    await expect.poll(() => a.cancelled.length + b.cancelled.length).toBe(2);
    expect(a.cancelled).toEqual([{ ids, source: 'message' }]);
    expect(b.cancelled).toEqual([{ ids, source: 'message' }]);
    await Promise.all([a.s.close(), b.s.close()]);
  });

  it('sets a marker per run with its TTL in the same round trip, and publishes nothing for no ids', async () => {
    const prefix = `${redis.prefix}-markers`;
    const commands = connect('producer');
    const publisher = new StepCancellationPublisher({ connection: commands, prefix, markerTtlMs: 5_000 });
    const ids = [randomUUID(), randomUUID()];
    await publisher.publish(ids);
    const keys = stepCancellationKeys(prefix);
    for (const id of ids) {
      const ttl = await commands.pttl(keys.marker(id));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(5_000);
    }
    expect(await publisher.publish([])).toBe(0);
  });

  it('after a reconnection, finds the running runs cancelled while it was away by their markers', async () => {
    const prefix = `${redis.prefix}-reconnect`;
    const [runningCancelled, runningKept, notRunning] = [randomUUID(), randomUUID(), randomUUID()];
    // Reconnects 400 ms after losing the connection: a window in which a message is lost for sure.
    const subscription = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 400 });
    connections.push(subscription);
    const clientId = (await subscription.client('ID')) as number;
    const { cancelled, errors } = await subscriber(prefix, [runningCancelled, runningKept], subscription);
    const admin = connect('producer');
    const publisher = new StepCancellationPublisher({ connection: admin, prefix });

    await admin.client('KILL', 'ID', String(clientId));
    await expect.poll(() => subscription.status).not.toBe('ready');
    expect(await publisher.publish([runningCancelled, notRunning])).toBe(0);

    await expect.poll(() => cancelled, { timeout: 5_000 }).toEqual([{ ids: [runningCancelled], source: 'marker' }]);
    expect(errors).toEqual([]);
    // Subscribed again: later messages arrive as usual.
    const later = randomUUID();
    expect(await publisher.publish([later])).toBe(1);
    await expect.poll(() => cancelled.at(-1)).toEqual({ ids: [later], source: 'message' });
  });

  it('reports a malformed message as an error and cancels nothing', async () => {
    const prefix = `${redis.prefix}-malformed`;
    const { cancelled, errors, s } = await subscriber(prefix);
    await connect('producer').publish(stepCancellationKeys(prefix).channel, '{"v":1,"stepRunIds":"nope"}');
    await expect.poll(() => errors.length).toBe(1);
    expect(String(errors[0])).toContain('malformed step cancellation message');
    expect(cancelled).toEqual([]);
    await s.close();
  });

  it('hears nothing once closed', async () => {
    const prefix = `${redis.prefix}-closed`;
    const { cancelled, s } = await subscriber(prefix);
    await s.close();
    expect(await new StepCancellationPublisher({ connection: connect('producer'), prefix }).publish([randomUUID()])).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cancelled).toEqual([]);
  });
});
