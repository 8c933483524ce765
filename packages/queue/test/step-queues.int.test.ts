import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis, type TestRedis } from '@agentic-flow/testing';
import { StepJobSchema, StepQueues, StepResultSchema, checkRedis, createRedisConnection, stepQueueName, type StepJob } from '@agentic-flow/queue';
import type { Redis } from 'ioredis';

let redis: TestRedis;
let producer: Redis;
let blocking: Redis;
let queues: StepQueues;

beforeAll(async () => {
  redis = await testRedis();
  producer = createRedisConnection(redis.url, { role: 'producer' });
  blocking = createRedisConnection(redis.url, { role: 'blocking' });
  queues = new StepQueues({ connection: producer, prefix: redis.prefix });
});
afterAll(async () => {
  await queues?.close();
  producer?.disconnect();
  blocking?.disconnect();
  await redis?.cleanup();
});

const job = (stepType: string, overrides: Partial<StepJob> = {}): StepJob => ({
  v: 1,
  stepRunId: randomUUID(),
  executionId: randomUUID(),
  workflowId: 'wf',
  workflowVersion: '1',
  stepId: `${stepType}-step`,
  stepType,
  instanceKey: `${stepType}-step`,
  attempt: 1,
  config: { url: 'http://x' },
  enqueuedAt: Date.now(),
  ...overrides,
});

describe('StepQueues against real Redis', () => {
  it('enqueues one job per step run on its type queue, under the run id', async () => {
    const jobs = [
      job('http'),
      job('http'),
      job('script', { context: { results: { a: 1 }, variables: {}, input: {}, execution: { id: 'e', workflowId: 'wf', workflowVersion: '1' } } }),
    ];
    await queues.enqueueSteps(jobs);
    await queues.enqueueSteps([jobs[0]!]); // a re-enqueue of the same run is a no-op
    const http = new Queue(stepQueueName('http'), { connection: producer, prefix: redis.prefix });
    const script = new Queue(stepQueueName('script'), { connection: producer, prefix: redis.prefix });
    try {
      expect((await http.getWaiting()).map((j) => j.id).sort()).toEqual([jobs[0]!.stepRunId, jobs[1]!.stepRunId].sort());
      const [scriptJob] = await script.getWaiting();
      expect(scriptJob!.id).toBe(jobs[2]!.stepRunId);
      expect(StepJobSchema.parse(scriptJob!.data)).toEqual(jobs[2]);
      await queues.removeSteps([{ stepType: 'http', stepRunId: jobs[1]!.stepRunId }]);
      expect((await http.getWaiting()).map((j) => j.id)).toEqual([jobs[0]!.stepRunId]);
    } finally {
      await Promise.all([http.obliterate({ force: true }), script.obliterate({ force: true })]);
      await Promise.all([http.close(), script.close()]);
    }
  });

  it('rejects malformed results at the contract', () => {
    expect(StepResultSchema.safeParse({ v: 1, outcome: 'exploded' }).success).toBe(false);
    expect(
      StepResultSchema.safeParse({
        v: 1,
        outcome: 'failed',
        stepRunId: 'r',
        executionId: 'e',
        attempt: 1,
        error: { code: 'NOPE', message: 'x' },
        startedAt: 1,
        finishedAt: 2,
        workerId: 'w',
      }).success,
    ).toBe(false);
  });

  it('reports an unreachable Redis in one line naming the address', async () => {
    const started = Date.now();
    await expect(checkRedis('redis://127.0.0.1:2', 2_000)).rejects.toThrow(/^Redis at 127\.0\.0\.1:2 is unreachable: /);
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(checkRedis(redis.url)).resolves.toBeUndefined();
  });
});
