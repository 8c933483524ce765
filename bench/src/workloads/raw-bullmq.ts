import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { testRedis } from '@agentic-flow/testing';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * One BullMQ job round trip — `add` until `completed` is seen — with the worker in another
 * process, one job at a time: the floor any queue-based engine pays per hop.
 */
export async function rawBullmqRoundTrips(samples: number, warmup: number): Promise<number[]> {
  const redis = await testRedis();
  const queueName = 'raw-round-trip';
  const child = spawn(process.execPath, [fileURLToPath(new URL('../raw-bullmq-worker.js', import.meta.url)), redis.url, redis.prefix, queueName], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const events = new QueueEvents(queueName, { connection: new Redis(redis.url, { maxRetriesPerRequest: null }), prefix: redis.prefix });
  const queue = new Queue(queueName, { connection, prefix: redis.prefix });
  try {
    await once(child.stdout!, 'data');
    await events.waitUntilReady();
    const times: number[] = [];
    for (let i = 0; i < warmup + samples; i++) {
      const started = performance.now();
      // Kept after completion: `waitUntilFinished` reads the job once the event arrives.
      const job = await queue.add('noop', { i }, { removeOnComplete: { count: 1000 } });
      await job.waitUntilFinished(events);
      if (i >= warmup) times.push(performance.now() - started);
    }
    return times;
  } finally {
    child.kill('SIGTERM');
    await queue.close();
    await events.close();
    connection.disconnect();
    await redis.cleanup();
  }
}
