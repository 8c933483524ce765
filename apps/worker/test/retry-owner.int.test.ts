import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ProviderRegistry,
  createAgentExecutor,
  createHttpExecutor,
  createOpenAiCompatibleProvider,
  egressPolicyFrom,
  type ChatProvider,
  type StepExecutor,
} from '@agentic-flow/executors';
import {
  ResultReporter,
  StepQueues,
  StepResultSchema,
  createRedisConnection,
  resultStreamKeys,
  stepQueueName,
  type StepJob,
  type StepResult,
} from '@agentic-flow/queue';
import { createLogger } from '@agentic-flow/telemetry';
import { startFakeLlm, testRedis, type FakeLlm, type TestRedis } from '@agentic-flow/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepConsumers } from '../src/step-consumers.js';
import { createStepProcessor } from '../src/step-processor.js';

/**
 * One retry owner per step run, on real BullMQ and Redis with the real http and agent executors:
 * a local target that always answers 503 counts the requests each step run sends. Under a `retry`
 * strategy (the job's BullMQ attempts) each attempt sends one request; without one the step's own
 * retries apply in process. Layered, `retries: 3` under `maxAttempts: 3` used to send 12.
 */

let redis: TestRedis;
let producer: Redis;
let blocking: Redis;
let queues: StepQueues;
let consumers: StepConsumers;
let target: Server;
let targetUrl: string;
let llm: FakeLlm;
let provider: ChatProvider;
let http: StepExecutor;
let agent: StepExecutor;
/** Requests the target received, by path: each test uses a path of its own. */
const hits = new Map<string, number>();

beforeAll(async () => {
  target = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('unavailable');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  llm = await startFakeLlm(() => ({ status: 503 }));

  redis = await testRedis();
  producer = createRedisConnection(redis.url, { role: 'producer' });
  blocking = createRedisConnection(redis.url, { role: 'blocking' });
  queues = new StepQueues({ connection: producer, prefix: redis.prefix });
  const logger = createLogger({ name: 'retry-owner-test', level: 'silent' });

  // Production executors; only the waits are short. The provider's own budget is AGENT_MAX_RETRIES' default, 3.
  http = createHttpExecutor({ egress: egressPolicyFrom('127.0.0.1') });
  provider = createOpenAiCompatibleProvider({ name: 'local', baseUrl: llm.url, apiKey: 'sk-test', model: 'fake-gpt', maxRetries: 3, retryDelayMs: 5 });
  agent = createAgentExecutor({ providers: new ProviderRegistry([provider], 'local') });
  const results = new ResultReporter(producer, redis.prefix);
  consumers = new StepConsumers({
    stepTypes: ['http', 'agent-task'],
    concurrency: () => 4,
    processor: createStepProcessor({
      executors: new Map([
        ['http', http],
        ['agent-task', agent],
      ]),
      reportJson: (json) => results.reportJson(json),
      workerId: 'retry-owner-worker',
      secrets: {},
      logger,
    }),
    connection: blocking,
    prefix: redis.prefix,
    lockDuration: 30_000,
    stalledInterval: 30_000,
    logger,
  });
  consumers.start();
  await consumers.waitUntilReady();
});

afterAll(async () => {
  await consumers?.close(5_000);
  await Promise.all([http?.close?.(), agent?.close?.()]);
  await queues?.close();
  producer?.disconnect();
  blocking?.disconnect();
  await redis?.cleanup();
  await llm?.close();
  target?.closeAllConnections();
  await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
});

/** A `retry` strategy of `attempts` as the engine puts it on the job, with short waits. */
const strategy = (attempts: number): NonNullable<StepJob['retry']> => ({ attempts, delayMs: 10, backoff: 'fixed', jitter: false });

function job(stepType: 'http' | 'agent-task', config: unknown, retry?: StepJob['retry']): StepJob {
  return {
    v: 1,
    stepRunId: randomUUID(),
    executionId: randomUUID(),
    workflowId: 'wf',
    workflowVersion: '1',
    stepId: 'call',
    stepType,
    instanceKey: 'call',
    attempt: 1,
    config,
    enqueuedAt: Date.now(),
    ...(retry ? { retry } : {}),
  };
}

/** Waits until the job failed for good, then returns its BullMQ attempts and its reported results. */
async function failedForGood(stepJob: StepJob): Promise<{ attemptsMade: number | undefined; results: StepResult[] }> {
  const queue = new Queue(stepQueueName(stepJob.stepType), { connection: producer, prefix: redis.prefix });
  try {
    for (
      const deadline = Date.now() + 20_000;
      (await queue.getJobState(stepJob.stepRunId)) !== 'failed';
      await new Promise((resolve) => setTimeout(resolve, 20))
    ) {
      if (Date.now() > deadline) throw new Error(`job ${stepJob.stepRunId} did not fail`);
    }
    const attemptsMade = (await queue.getJob(stepJob.stepRunId))?.attemptsMade;
    const entries = (await producer.xrange(resultStreamKeys(redis.prefix).stream, '-', '+')) as [string, string[]][];
    const results = entries
      .map(([, fields]) => StepResultSchema.parse(JSON.parse(fields[fields.indexOf('r') + 1]!)))
      .filter((r) => r.stepRunId === stepJob.stepRunId);
    return { attemptsMade, results };
  } finally {
    await queue.close();
  }
}

describe('an http step with retries: 3 against a target that always answers 503', () => {
  it('under a retry strategy of 3 attempts: 3 requests, one per attempt, and one failed result', async () => {
    const path = `/strategy-${randomUUID()}`;
    const stepJob = job('http', { url: `${targetUrl}${path}`, retries: 3, retryDelay: 10 }, strategy(3));
    await queues.enqueueSteps([stepJob]);
    const { attemptsMade, results } = await failedForGood(stepJob);

    expect(hits.get(path)).toBe(3);
    expect(attemptsMade).toBe(3);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: 'failed', error: { code: 'HTTP_STATUS', details: { status: 503, attempts: 1 } } });
    expect(results[0]!.logs.map((l) => l.message)).toContainEqual(
      expect.stringContaining("the step's retry strategy retries it: its own retries (3) are not applied"),
    );
  });

  it('without a strategy: its own 3 retries, 4 requests in one attempt', async () => {
    const path = `/own-${randomUUID()}`;
    const stepJob = job('http', { url: `${targetUrl}${path}`, retries: 3, retryDelay: 10 });
    await queues.enqueueSteps([stepJob]);
    const { attemptsMade, results } = await failedForGood(stepJob);

    expect(hits.get(path)).toBe(4);
    expect(attemptsMade).toBe(1);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: 'failed', error: { code: 'HTTP_STATUS', details: { status: 503, attempts: 4 } } });
  });
});

describe('an agent step whose provider always answers 503 (provider retries: 3)', () => {
  const callsFor = (goal: string) => llm.requests.filter((r) => r.messages.some((m) => m.role === 'user' && m.content.includes(goal))).length;

  it('under a retry strategy of 3 attempts: 3 model calls, one per attempt', async () => {
    const goal = `strategy-${randomUUID()}`;
    const stepJob = job('agent-task', { goal, provider: 'local' }, strategy(3));
    await queues.enqueueSteps([stepJob]);
    const { attemptsMade, results } = await failedForGood(stepJob);

    expect(callsFor(goal)).toBe(3);
    expect(attemptsMade).toBe(3);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: 'failed', error: { code: 'AGENT_PROVIDER', details: { status: 503 } } });
  });

  it('without a strategy: the provider retries the call, 4 model calls in one attempt', async () => {
    const goal = `own-${randomUUID()}`;
    const stepJob = job('agent-task', { goal, provider: 'local' });
    await queues.enqueueSteps([stepJob]);
    const { attemptsMade } = await failedForGood(stepJob);

    expect(callsFor(goal)).toBe(4);
    expect(attemptsMade).toBe(1);
  });
});
