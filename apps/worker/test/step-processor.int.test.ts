import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { HTTP_EXECUTOR_TRAITS, SCRIPT_EXECUTOR_TRAITS, type ExecutorTraits, type StepExecutor, type StepOutcome } from '@agentic-flow/executors';
import {
  CircuitBreaker,
  ResultReporter,
  StepQueues,
  StepResultSchema,
  createRedisConnection,
  resultStreamKeys,
  stepQueueName,
  type CircuitPermit,
  type StepJob,
  type StepResult,
} from '@agentic-flow/queue';
import { stepError } from '@agentic-flow/spec';
import { createLogger } from '@agentic-flow/telemetry';
import { testRedis, type TestRedis } from '@agentic-flow/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepConsumers } from '../src/step-consumers.js';
import { createStepProcessor, type StepCircuitBreaker } from '../src/step-processor.js';

/**
 * The processor on real BullMQ workers and real Redis (queues, the step-results stream, the
 * breakers). Only the executors are fakes: each job's config says what its calls return, in order.
 */

/**
 * An outcome, or a misbehaving executor: `throw` throws (with a secret in the message), `deep`
 * returns an output 100,000 levels deep (a hostile JSON body), `unserializable` one whose `toJSON`
 * throws (a bug).
 */
type Plan = (StepOutcome | 'throw' | 'deep' | 'unserializable')[];

const SECRET = 'sk-live-0123456789';

/** Stands in for a real executor: its type's own answers (circuit breaker key and verdicts), the job's plan for outcomes. */
class ScriptedExecutor implements StepExecutor {
  readonly calls = new Map<string, number>();
  readonly type: string;
  readonly defaultConcurrency: number;
  readonly circuitKey: ExecutorTraits['circuitKey'];
  readonly circuitVerdict: ExecutorTraits['circuitVerdict'];

  constructor(traits: ExecutorTraits) {
    this.type = traits.type;
    this.defaultConcurrency = traits.defaultConcurrency;
    this.circuitKey = traits.circuitKey;
    this.circuitVerdict = traits.circuitVerdict;
  }

  async execute(input: { stepRunId: string; config: unknown }): Promise<StepOutcome> {
    const call = this.calls.get(input.stepRunId) ?? 0;
    this.calls.set(input.stepRunId, call + 1);
    const plan = (input.config as { plan: Plan }).plan;
    const next = plan[Math.min(call, plan.length - 1)]!;
    if (next === 'throw') throw new Error(`boom calling https://api.test/?key=${SECRET}`);
    if (next === 'deep') return { ok: true, output: JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown };
    if (next === 'unserializable') {
      return {
        ok: true,
        output: {
          toJSON() {
            throw new Error(`cannot serialize ${SECRET}`);
          },
        },
      };
    }
    return next;
  }

  callsOf(stepRunId: string): number {
    return this.calls.get(stepRunId) ?? 0;
  }
}

const ok = (output: unknown): StepOutcome => ({ ok: true, output });
const failure = (code: Parameters<typeof stepError>[0], details?: Record<string, unknown>): StepOutcome => ({
  ok: false,
  error: stepError(code, `${code.toLowerCase()} happened`, details),
});

let redis: TestRedis;
let producer: Redis;
let blocking: Redis;
let otherWorker: Redis;
let queues: StepQueues;
let consumers: StepConsumers;
const http = new ScriptedExecutor(HTTP_EXECUTOR_TRAITS);
const script = new ScriptedExecutor(SCRIPT_EXECUTOR_TRAITS);
const logLines: Record<string, unknown>[] = [];
const breakerCalls: { op: 'acquire' | 'record'; key: string; verdict?: string }[] = [];
/** Step runs whose next report fails, as if Redis were down. */
const failingReports = new Set<string>();

beforeAll(async () => {
  redis = await testRedis();
  producer = createRedisConnection(redis.url, { role: 'producer' });
  blocking = createRedisConnection(redis.url, { role: 'blocking' });
  otherWorker = createRedisConnection(redis.url, { role: 'producer' });
  queues = new StepQueues({ connection: producer, prefix: redis.prefix });

  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const logger = createLogger({ name: 'worker-test', level: 'debug', destination });

  // The real breaker, with every call noted so the test can count Redis round trips per step.
  const breaker = new CircuitBreaker({ connection: producer, prefix: redis.prefix });
  const counted: StepCircuitBreaker = {
    acquire: (key, now) => {
      breakerCalls.push({ op: 'acquire', key });
      return breaker.acquire(key, now);
    },
    record: (permit, verdict, now) => {
      breakerCalls.push({ op: 'record', key: permit.key, verdict });
      return breaker.record(permit, verdict, now);
    },
  };
  const results = new ResultReporter(producer, redis.prefix);
  consumers = new StepConsumers({
    stepTypes: ['http', 'script'],
    concurrency: () => 5,
    processor: createStepProcessor({
      executors: new Map<string, StepExecutor>([
        ['http', http],
        ['script', script],
      ]),
      reportJson: async (json) => {
        const { stepRunId } = JSON.parse(json) as { stepRunId: string };
        if (failingReports.delete(stepRunId)) throw new Error('connection is closed');
        await results.reportJson(json);
      },
      workerId: 'test-worker',
      secrets: { API_KEY: SECRET },
      logger,
      circuitBreaker: counted,
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
  otherWorker?.disconnect();
  await redis?.cleanup();
});

let hosts = 0;
/** A host of the test's own, so breakers never carry state from one test to another. */
const uniqueHost = (): string => `host-${++hosts}.test`;

function stepJob(stepType: 'http' | 'script', plan: Plan, overrides: Partial<StepJob> & { host?: string } = {}): StepJob {
  const { host, ...rest } = overrides;
  const config = stepType === 'http' ? { url: `https://${host ?? uniqueHost()}/path`, plan } : { code: 'return 1', plan };
  return {
    v: 1,
    stepRunId: randomUUID(),
    executionId: randomUUID(),
    workflowId: 'wf',
    workflowVersion: '1',
    stepId: `${stepType}-step`,
    stepType,
    instanceKey: `${stepType}-step`,
    attempt: 1,
    config,
    enqueuedAt: Date.now(),
    ...rest,
  };
}

const retry = (attempts: number, delayMs = 50): NonNullable<StepJob['retry']> => ({ attempts, delayMs, backoff: 'exponential', jitter: true });

async function resultsOf(stepRunId: string): Promise<StepResult[]> {
  const entries = (await producer.xrange(resultStreamKeys(redis.prefix).stream, '-', '+')) as [string, string[]][];
  return entries.map(([, fields]) => StepResultSchema.parse(JSON.parse(fields[fields.indexOf('r') + 1]!))).filter((result) => result.stepRunId === stepRunId);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the job is settled (completed jobs are removed; failed ones stay), then returns its results. */
async function settled(job: StepJob): Promise<{ results: StepResult[]; state: string; attemptsMade: number | undefined }> {
  const queue = new Queue(stepQueueName(job.stepType), { connection: producer, prefix: redis.prefix });
  try {
    const state = await until(`job ${job.stepRunId} to settle`, async () => {
      const current = await queue.getJobState(job.stepRunId);
      return current === 'failed' || current === 'completed' || current === 'unknown' ? current : undefined;
    });
    const attemptsMade = (await queue.getJob(job.stepRunId))?.attemptsMade;
    // Give a stray duplicate report a moment to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { results: await resultsOf(job.stepRunId), state, attemptsMade };
  } finally {
    await queue.close();
  }
}

const retryLogs = (stepRunId: string) =>
  logLines.filter((line) => line['stepRunId'] === stepRunId && line['level'] === 'warn' && String(line['msg']).includes('retrying'));

describe('step processor with BullMQ retries and circuit breakers', () => {
  it('retries a failing step after its backoff and reports only the success of the third attempt', async () => {
    const job = stepJob('http', [failure('NETWORK'), failure('HTTP_STATUS', { status: 503 }), ok({ n: 3 })], { retry: retry(3) });
    await queues.enqueueSteps([job]);
    const { results, state } = await settled(job);

    expect(http.callsOf(job.stepRunId)).toBe(3);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: 'succeeded', output: { n: 3 }, attempt: 1, workerId: 'test-worker' });
    expect(results[0]!.logs.map((l) => l.message)).toEqual(['attempt 3 of 3 (attempt 2 failed: HTTP_STATUS: http_status happened)']);
    expect(state).not.toBe('failed');
    // Each retry is logged at warn with its attempt and delay: 50·2^(n-1) with equal jitter at 0.5.
    expect(retryLogs(job.stepRunId).map((line) => [line['attempt'], line['attempts'], line['delayMs']])).toEqual([
      [1, 3, 38],
      [2, 3, 75],
    ]);
  });

  it('reports one failure after the last attempt, and the job ends in the failed set', async () => {
    const job = stepJob('http', [failure('TIMEOUT')], { retry: retry(3, 20) });
    await queues.enqueueSteps([job]);
    const { results, state, attemptsMade } = await settled(job);

    expect(http.callsOf(job.stepRunId)).toBe(3);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: 'failed', error: { code: 'TIMEOUT' } });
    expect(state).toBe('failed');
    expect(attemptsMade).toBe(3);
    expect(retryLogs(job.stepRunId)).toHaveLength(2);
  });

  it('reports a failure no retry can mend at once, with attempts left', async () => {
    const job = stepJob('script', [failure('INVALID_CONFIG')], { retry: retry(3, 20) });
    await queues.enqueueSteps([job]);
    const { results, state, attemptsMade } = await settled(job);

    expect(script.callsOf(job.stepRunId)).toBe(1);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: 'failed', error: { code: 'INVALID_CONFIG' } });
    expect(state).toBe('failed');
    expect(attemptsMade).toBe(1);
    expect(retryLogs(job.stepRunId)).toHaveLength(0);
  });

  it('reports the failure of a job without a retry strategy on its first and only attempt', async () => {
    const job = stepJob('script', [failure('SCRIPT_ERROR')]);
    await queues.enqueueSteps([job]);
    const { results, state, attemptsMade } = await settled(job);
    expect(results.map((r) => r.outcome)).toEqual(['failed']);
    expect([state, attemptsMade]).toEqual(['failed', 1]);
  });

  it('fails a step whose breaker is open with CIRCUIT_OPEN, without running the executor', async () => {
    const host = uniqueHost();
    const key = `http:${host}:443`;
    // Another worker saw the host fail five times.
    const elsewhere = new CircuitBreaker({ connection: otherWorker, prefix: redis.prefix });
    for (let i = 0; i < 5; i++) await elsewhere.record((await elsewhere.acquire(key)) as CircuitPermit, 'failure');

    const job = stepJob('http', [ok('never')], { host });
    await queues.enqueueSteps([job]);
    const { results, state } = await settled(job);

    expect(http.callsOf(job.stepRunId)).toBe(0);
    expect(results).toHaveLength(1);
    const [result] = results;
    expect(result!.outcome).toBe('failed');
    if (result!.outcome !== 'failed') return;
    expect(result!.error.code).toBe('CIRCUIT_OPEN');
    expect(result!.error.message).toMatch(new RegExp(`^circuit breaker ${key.replaceAll('.', '\\.')} is open \\(5 failures\\); retry after \\d+(\\.\\d)? s$`));
    expect(result!.error.details).toMatchObject({ breaker: key, state: 'open', failures: 5 });
    expect(state).toBe('failed');
    // The rejection is not a failure of the target: nothing was recorded.
    expect(breakerCalls.filter((c) => c.key === key)).toEqual([{ op: 'acquire', key }]);
  });

  it('retries a CIRCUIT_OPEN step after its backoff until the breaker lets a trial through, which closes it', async () => {
    const host = uniqueHost();
    const key = `http:${host}:443`;
    const elsewhere = new CircuitBreaker({ connection: otherWorker, prefix: redis.prefix });
    // Opened long enough ago that it turns half-open in 1.5 s (the default open timeout is 30 s).
    const openedAt = Date.now() - 30_000 + 1_500;
    for (let i = 0; i < 5; i++) await elsewhere.record((await elsewhere.acquire(key, openedAt)) as CircuitPermit, 'failure', openedAt);

    const job = stepJob('http', [ok('through')], { host, retry: { attempts: 10, delayMs: 400, backoff: 'fixed', jitter: false } });
    await queues.enqueueSteps([job]);
    const { results } = await settled(job);

    expect(http.callsOf(job.stepRunId)).toBe(1);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: 'succeeded', output: 'through' });
    const rejected = retryLogs(job.stepRunId);
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    expect(rejected.every((line) => String(line['reason']).startsWith('CIRCUIT_OPEN: ') && line['delayMs'] === 400)).toBe(true);
    // The trial succeeded: the breaker is closed for every worker.
    expect(((await elsewhere.acquire(key)) as CircuitPermit).trial).toBe(false);
  });

  it('records each outcome on the target breaker (one call before, one after), and never touches one for scripts', async () => {
    const host = uniqueHost();
    const key = `http:${host}:443`;
    const jobs = [
      stepJob('http', [failure('HTTP_STATUS', { status: 404 })], { host }),
      stepJob('http', [failure('HTTP_STATUS', { status: 500 })], { host }),
      stepJob('http', ['throw'], { host }),
      stepJob('script', [ok(1)]),
    ];
    for (const job of jobs) {
      await queues.enqueueSteps([job]);
      await settled(job);
    }
    expect(breakerCalls.filter((c) => c.key === key)).toEqual([
      { op: 'acquire', key },
      { op: 'record', key, verdict: 'success' },
      { op: 'acquire', key },
      { op: 'record', key, verdict: 'failure' },
      { op: 'acquire', key },
      { op: 'record', key, verdict: 'failure' },
    ]);
    expect(breakerCalls.filter((c) => !c.key.startsWith('http:'))).toEqual([]);
    const crashed = await resultsOf(jobs[2]!.stepRunId);
    expect(crashed[0]).toMatchObject({ outcome: 'failed', error: { code: 'INTERNAL' } });
  });

  it('records a crashing half-open trial as a failure, which re-opens the breaker', async () => {
    const host = uniqueHost();
    const key = `http:${host}:443`;
    const elsewhere = new CircuitBreaker({ connection: otherWorker, prefix: redis.prefix, defaults: { halfOpenMaxAttempts: 1 } });
    const past = Date.now() - 60_000;
    for (let i = 0; i < 5; i++) await elsewhere.record((await elsewhere.acquire(key, past)) as CircuitPermit, 'failure', past);

    const job = stepJob('http', ['throw'], { host });
    await queues.enqueueSteps([job]);
    await settled(job);
    expect(http.callsOf(job.stepRunId)).toBe(1);
    // The crash re-opened the breaker: the trial slot is free again, not held by a lost call.
    const decision = await elsewhere.acquire(key);
    expect(decision).toMatchObject({ allowed: false, state: 'open', failures: 6 });
  });
});

describe('every job ends with a result', () => {
  it('fails an output too deep to serialize with OUTPUT_TOO_LARGE at once, with a result, even with attempts left', async () => {
    const job = stepJob('http', ['deep'], { retry: retry(3, 20) });
    await queues.enqueueSteps([job]);
    const { results, state, attemptsMade } = await settled(job);
    expect(http.callsOf(job.stepRunId)).toBe(1);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: 'failed', error: { code: 'OUTPUT_TOO_LARGE', details: { maxDepth: 200 } } });
    expect([state, attemptsMade]).toEqual(['failed', 1]);
  });

  it('reports an executor that throws as INTERNAL, without the secret its message held', async () => {
    const job = stepJob('script', ['throw']);
    await queues.enqueueSteps([job]);
    const { results } = await settled(job);
    expect(results[0]).toMatchObject({
      outcome: 'failed',
      error: { code: 'INTERNAL', message: 'executor "script" crashed: Error: boom calling https://api.test/?key=***' },
    });
    expect(JSON.stringify(results)).not.toContain(SECRET);
  });

  it('reports a failure of the worker’s own handling (an output that cannot be serialized) as INTERNAL at once, with attempts left', async () => {
    const job = stepJob('script', ['unserializable', ok('never')], { retry: retry(3, 20) });
    await queues.enqueueSteps([job]);
    const { results, state, attemptsMade } = await settled(job);
    expect(script.callsOf(job.stepRunId)).toBe(1);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      outcome: 'failed',
      error: { code: 'INTERNAL', message: 'the worker failed to handle the step: Error: cannot serialize ***' },
    });
    expect(JSON.stringify(results)).not.toContain(SECRET);
    expect([state, attemptsMade]).toEqual(['failed', 1]);
  });

  it('throws when the result cannot be reported, so BullMQ runs the job again and the next attempt reports', async () => {
    const job = stepJob('http', [ok({ n: 1 }), ok({ n: 2 })], { retry: retry(2, 20) });
    failingReports.add(job.stepRunId);
    await queues.enqueueSteps([job]);
    const { results, state } = await settled(job);
    expect(http.callsOf(job.stepRunId)).toBe(2);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: 'succeeded', output: { n: 2 } });
    expect(state).not.toBe('failed');
  });
});
