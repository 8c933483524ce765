import { randomUUID } from 'node:crypto';
import { SCRIPT_EXECUTOR_TRAITS, type StepExecutor, type StepOutcome, type StepRuntime } from '@agentic-flow/executors';
import {
  ResultReporter,
  StepCancellationPublisher,
  StepQueues,
  createRedisConnection,
  resultStreamKeys,
  stepCancellationKeys,
  stepQueueName,
  type StepJob,
} from '@agentic-flow/queue';
import { stepError } from '@agentic-flow/spec';
import { createLogger } from '@agentic-flow/telemetry';
import { testRedis, type TestRedis } from '@agentic-flow/testing';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancellableProcessor } from '../src/cancellable-processor.js';
import { listenForCancellations, type CancellationListener } from '../src/cancellation-listener.js';
import { RunningSteps } from '../src/running-steps.js';
import { StepConsumers } from '../src/step-consumers.js';
import { createStepProcessor } from '../src/step-processor.js';

/**
 * The worker's side of cancellation on real BullMQ workers and a real Redis, with the coordinator's
 * publisher: a running step is aborted by the message, or — when the worker was disconnected as the
 * message went out — by its marker once the worker has subscribed again. The executor is a fake
 * that runs until its signal aborts.
 */

class EndlessExecutor implements StepExecutor {
  readonly type = SCRIPT_EXECUTOR_TRAITS.type;
  readonly defaultConcurrency = SCRIPT_EXECUTOR_TRAITS.defaultConcurrency;
  readonly started: string[] = [];
  readonly aborted: string[] = [];
  execute(input: { stepRunId: string }, runtime: StepRuntime): Promise<StepOutcome> {
    this.started.push(input.stepRunId);
    return new Promise((resolve) => {
      runtime.signal.addEventListener(
        'abort',
        () => {
          this.aborted.push(input.stepRunId);
          resolve({ ok: false, error: stepError('CANCELLED', 'the script was cancelled') });
        },
        { once: true },
      );
    });
  }
}

let redis: TestRedis;
let producer: Redis;
let blocking: Redis;
let subscription: Redis;
let admin: Redis;
let queues: StepQueues;
let consumers: StepConsumers;
let listener: CancellationListener;
let publisher: StepCancellationPublisher;
const executor = new EndlessExecutor();
const running = new RunningSteps();
const logger = createLogger({ name: 'worker-test', level: 'silent' });
/** Connections made inside tests, closed with the rest. */
const extra: Redis[] = [];
const connect = (): Redis => {
  const connection = createRedisConnection(redis.url, { role: 'blocking' });
  extra.push(connection);
  return connection;
};

beforeAll(async () => {
  redis = await testRedis();
  producer = createRedisConnection(redis.url, { role: 'producer' });
  blocking = createRedisConnection(redis.url, { role: 'blocking' });
  admin = createRedisConnection(redis.url, { role: 'producer' });
  // Reconnects 400 ms after losing its connection: a window in which a published message is lost for sure.
  subscription = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 400, connectionName: `${redis.prefix}-cancellations` });
  subscription.on('error', () => {});
  queues = new StepQueues({ connection: producer, prefix: redis.prefix });
  publisher = new StepCancellationPublisher({ connection: admin, prefix: redis.prefix });
  listener = await listenForCancellations({ subscription, commands: producer, prefix: redis.prefix, running, logger });
  startConsumers(blocking);
  await consumers.waitUntilReady();
});

afterAll(async () => {
  await consumers?.close(5_000);
  await listener?.close();
  await queues?.close();
  for (const connection of [producer, blocking, subscription, admin, ...extra]) connection?.disconnect();
  await redis?.cleanup();
});

const stepJob = (): StepJob => ({
  v: 1,
  stepRunId: randomUUID(),
  executionId: randomUUID(),
  workflowId: 'wf',
  workflowVersion: '1',
  stepId: 'spin',
  stepType: 'script',
  instanceKey: 'spin',
  attempt: 1,
  config: {},
  retry: { attempts: 3, delayMs: 10, backoff: 'fixed', jitter: false },
  enqueuedAt: Date.now(),
});

const jobState = (id: string) => queues.queue(stepQueueName('script')).getJobState(id);
const resultCount = async () => await producer.xlen(resultStreamKeys(redis.prefix).stream);

/** The job ended quietly: gone from Redis (completed and removed), never failed, no result, run once. */
async function expectEndedQuietly(id: string, runs = 1): Promise<void> {
  await expect.poll(() => jobState(id), { timeout: 5_000 }).toBe('unknown');
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(executor.started.filter((s) => s === id)).toHaveLength(runs);
  expect(running.ids()).not.toContain(id);
}

describe('cancellations reaching running steps', () => {
  it('aborts the running step a message names; its job completes without a result, retry or dead letter', async () => {
    const job = stepJob();
    const before = await resultCount();
    await queues.enqueueSteps([job]);
    await expect.poll(() => executor.started).toContain(job.stepRunId);
    expect(await publisher.publish([job.stepRunId])).toBe(1);
    await expect.poll(() => executor.aborted).toContain(job.stepRunId);
    await expectEndedQuietly(job.stepRunId);
    expect(await resultCount()).toBe(before);
  });

  it('aborts a running step cancelled while the worker was disconnected, once it has subscribed again', async () => {
    const job = stepJob();
    await queues.enqueueSteps([job]);
    await expect.poll(() => executor.started).toContain(job.stepRunId);

    // Other test files share the server: only this file's subscription connection is cut.
    const client = ((await admin.client('LIST')) as string).split('\n').find((line) => line.includes(` name=${redis.prefix}-cancellations `));
    expect(client).toBeDefined();
    await admin.client('KILL', 'ID', /id=(\d+)/.exec(client!)![1]!);
    await expect.poll(() => subscription.status).not.toBe('ready');
    // Nobody hears it: the only subscriber is away.
    expect(await publisher.publish([job.stepRunId])).toBe(0);
    expect(executor.aborted).not.toContain(job.stepRunId);

    await expect.poll(() => executor.aborted, { timeout: 5_000 }).toContain(job.stepRunId);
    await expectEndedQuietly(job.stepRunId);
  });

  it('never runs a job whose cancellation arrived before a worker took it', async () => {
    const job = stepJob();
    expect(await publisher.publish([job.stepRunId])).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await queues.enqueueSteps([job]);
    await expectEndedQuietly(job.stepRunId, 0);
  });

  it('never runs a job handed back after its worker died when its run carries a cancellation marker', async () => {
    const job = stepJob();
    // Another worker takes it and vanishes; the job goes back to waiting, started once already.
    expect(await consumers.close(5_000)).toBe('drained');
    await queues.enqueueSteps([job]);
    const dying = new Worker(stepQueueName('script'), null, { connection: connect(), prefix: redis.prefix, autorun: false });
    const taken = (await dying.getNextJob('dying-token'))!;
    expect(taken.id).toBe(job.stepRunId);
    // Marked, but never announced to this worker: only the marker can tell.
    await admin.set(stepCancellationKeys(redis.prefix).marker(job.stepRunId), '1', 'PX', 60_000);
    await taken.moveToWait('dying-token');
    await dying.close();
    startConsumers(connect());
    await expectEndedQuietly(job.stepRunId, 0);
  });
});

/** Consumers of `script` jobs whose processor stops on a cancellation, on `connection`. */
function startConsumers(connection: Redis): void {
  const results = new ResultReporter(producer, redis.prefix);
  const processor = createStepProcessor({
    executors: new Map([['script', executor]]),
    reportJson: (json) => results.reportJson(json),
    workerId: 'w',
    secrets: {},
    logger,
  });
  consumers = new StepConsumers({
    stepTypes: ['script'],
    concurrency: () => 4,
    processor: cancellableProcessor(processor, { running, wasCancelled: (id) => listener.wasCancelled(id), logger }),
    connection,
    prefix: redis.prefix,
    lockDuration: 30_000,
    stalledInterval: 30_000,
    logger,
  });
  consumers.start();
}
