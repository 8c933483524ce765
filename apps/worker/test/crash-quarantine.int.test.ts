import { randomUUID } from 'node:crypto';
import { SCRIPT_EXECUTOR_TRAITS, type StepExecutor, type StepOutcome } from '@agentic-flow/executors';
import {
  ResultReporter,
  SandboxCrashCounter,
  StepQueues,
  StepResultSchema,
  createRedisConnection,
  resultStreamKeys,
  sandboxCrashKey,
  stepQueueName,
  type StepJob,
} from '@agentic-flow/queue';
import { createLogger } from '@agentic-flow/telemetry';
import { testRedis, type TestRedis } from '@agentic-flow/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepConsumers } from '../src/step-consumers.js';
import { createStepProcessor } from '../src/step-processor.js';

/**
 * A step that crashes its sandbox process on every attempt, through the real processor, BullMQ
 * attempts and the crash counter in Redis: quarantined as POISON at the threshold, however many
 * attempts its retry strategy has left, and dead-lettered with that reason.
 */

let redis: TestRedis;
let producer: Redis;
let blocking: Redis;
let queues: StepQueues;
let consumers: StepConsumers;
const runs = new Map<string, number>();

/** Every run ends the way a script that makes V8 abort ends in a sandbox process. */
const crashing: StepExecutor = {
  ...SCRIPT_EXECUTOR_TRAITS,
  async execute(input): Promise<StepOutcome> {
    runs.set(input.stepRunId, (runs.get(input.stepRunId) ?? 0) + 1);
    return {
      ok: false,
      error: {
        code: 'SANDBOX_CRASHED',
        message: 'the sandbox process running the script died (signal SIGABRT, out of memory)',
        details: { signal: 'SIGABRT', exitCode: null, reason: 'out of memory' },
      },
    };
  },
};

beforeAll(async () => {
  redis = await testRedis();
  producer = createRedisConnection(redis.url, { role: 'producer' });
  blocking = createRedisConnection(redis.url, { role: 'blocking' });
  queues = new StepQueues({ connection: producer, prefix: redis.prefix });
  const logger = createLogger({ name: 'crash-test', level: 'silent' });
  const results = new ResultReporter(producer, redis.prefix);
  consumers = new StepConsumers({
    stepTypes: ['script'],
    concurrency: () => 2,
    processor: createStepProcessor({
      executors: new Map([['script', crashing]]),
      reportJson: (json) => results.reportJson(json),
      workerId: 'w',
      secrets: {},
      logger,
      crashQuarantine: { counter: new SandboxCrashCounter({ connection: producer, prefix: redis.prefix }), threshold: 3 },
    }),
    connection: blocking,
    prefix: redis.prefix,
    lockDuration: 30_000,
    stalledInterval: 30_000,
    logger,
    random: () => 0.5,
  });
  consumers.start();
  await consumers.waitUntilReady();
});
afterAll(async () => {
  await consumers?.close(5_000);
  await queues?.close();
  producer?.disconnect();
  blocking?.disconnect();
  await redis?.cleanup();
});

function stepJob(retry?: StepJob['retry']): StepJob {
  return {
    v: 1,
    stepRunId: randomUUID(),
    executionId: randomUUID(),
    workflowId: 'wf',
    workflowVersion: '1',
    stepId: 'bomb',
    stepType: 'script',
    instanceKey: 'bomb',
    attempt: 1,
    config: {},
    enqueuedAt: Date.now(),
    ...(retry ? { retry } : {}),
  };
}

async function resultsOf(stepRunId: string) {
  const entries = (await producer.xrange(resultStreamKeys(redis.prefix).stream, '-', '+')) as [string, string[]][];
  return entries.map(([, fields]) => StepResultSchema.parse(JSON.parse(fields[fields.indexOf('r') + 1]!))).filter((r) => r.stepRunId === stepRunId);
}

describe('quarantining a step that crashes its sandbox on every attempt', () => {
  it('fails it POISON after exactly 3 crashes although 5 attempts were allowed, reported once and dead-lettered with that reason', async () => {
    const job = stepJob({ attempts: 5, delayMs: 10, backoff: 'fixed', jitter: false });
    await queues.enqueueSteps([job]);
    const queue = queues.queue(stepQueueName('script'));
    await expect.poll(() => queue.getJobState(job.stepRunId), { timeout: 15_000, interval: 50 }).toBe('failed');

    expect(runs.get(job.stepRunId)).toBe(3);
    expect(await producer.get(sandboxCrashKey(job.stepRunId, redis.prefix))).toBe('3');
    const failed = await queue.getJob(job.stepRunId);
    expect(failed?.attemptsMade).toBe(3);
    expect(failed?.failedReason).toMatch(/^POISON: quarantined: the step crashed its sandbox process 3 times/);
    const results = await resultsOf(job.stepRunId);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: 'failed', error: { code: 'POISON', details: { crashes: 3, signal: 'SIGABRT' } } });
  });

  it('reports SANDBOX_CRASHED, counted, for a crash below the threshold when no attempts are left', async () => {
    const job = stepJob();
    await queues.enqueueSteps([job]);
    const queue = queues.queue(stepQueueName('script'));
    await expect.poll(() => queue.getJobState(job.stepRunId), { timeout: 15_000, interval: 50 }).toBe('failed');
    expect(await resultsOf(job.stepRunId)).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        error: expect.objectContaining({ code: 'SANDBOX_CRASHED', details: expect.objectContaining({ crashes: 1 }) }),
      }),
    ]);
  });
});
