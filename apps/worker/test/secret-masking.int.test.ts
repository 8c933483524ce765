import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import {
  HTTP_EXECUTOR_TRAITS,
  createScriptExecutor,
  type StepExecutionInput,
  type StepExecutor,
  type StepOutcome,
  type StepRuntime,
} from '@agentic-flow/executors';
import {
  CircuitBreaker,
  ResultReporter,
  StepQueues,
  StepResultSchema,
  createRedisConnection,
  resultStreamKeys,
  stepQueueName,
  type StepJob,
  type StepResult,
} from '@agentic-flow/queue';
import { SECRET_POLICIES, resolveWithSecretSlots, stepError } from '@agentic-flow/spec';
import { createLogger } from '@agentic-flow/telemetry';
import { occurrences, redisTexts, testRedis, type TestRedis } from '@agentic-flow/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepConsumers } from '../src/step-consumers.js';
import { createStepProcessor } from '../src/step-processor.js';
import { WorkerSecrets } from '../src/worker-secrets.js';

/**
 * Secrets through a real worker pipeline: BullMQ on real Redis, the real circuit breaker and result
 * stream, the real script executor (isolated-vm). The http executor is a recorder standing in for
 * a hostile server: it sees the config the worker filled, and echoes it into outputs, errors, logs
 * and thrown messages. Afterwards nothing under the test's Redis prefix, and no log line, holds a
 * secret in any form.
 */

const TOKEN = 'sk live/s3cr3t+tok&en=42';
const HOST = 'hostsecret4242';
const CREDENTIAL = 'redis-credential-9999';

/** The forms a scan looks for, computed here independently of the masker. */
const forms = (value: string): string[] => [
  value,
  encodeURIComponent(value),
  new URLSearchParams({ x: value }).toString().slice(2),
  Buffer.from(value).toString('base64'),
  Buffer.from(value).toString('base64url'),
];
const NEEDLES = [...forms(TOKEN), ...forms(HOST), ...forms(CREDENTIAL)];

class EchoingHttp implements StepExecutor {
  // The http type's own answers (breaker key, verdicts), as the real executor gives them.
  readonly type = HTTP_EXECUTOR_TRAITS.type;
  readonly defaultConcurrency = HTTP_EXECUTOR_TRAITS.defaultConcurrency;
  readonly circuitKey = HTTP_EXECUTOR_TRAITS.circuitKey;
  readonly circuitVerdict = HTTP_EXECUTOR_TRAITS.circuitVerdict;
  readonly received = new Map<string, Record<string, unknown>>();

  async execute(input: StepExecutionInput, runtime: StepRuntime): Promise<StepOutcome> {
    const config = input.config as Record<string, unknown> & { mode: string; url: string };
    this.received.set(input.stepRunId, config);
    runtime.log('info', `sending ${JSON.stringify(config.headers)} to ${config.url}`);
    switch (config.mode) {
      case 'echo':
        return { ok: true, output: { status: 200, body: { echoed: config, basic: Buffer.from(`user:${TOKEN}`).toString('base64') } } };
      case '500':
        return { ok: false, error: stepError('HTTP_STATUS', `POST ${config.url} responded 500`, { status: 500, body: JSON.stringify(config) }) };
      case 'network':
        return {
          ok: false,
          error: stepError('NETWORK', `GET ${config.url} failed: getaddrinfo ENOTFOUND ${new URL(config.url).hostname}`, { code: 'ENOTFOUND' }),
        };
      default:
        throw new Error(`crashed calling ${config.url} with ${encodeURIComponent(TOKEN)}`);
    }
  }
}

let redis: TestRedis;
let producer: Redis;
let blocking: Redis;
let queues: StepQueues;
let consumers: StepConsumers;
const http = new EchoingHttp();
const scripts = createScriptExecutor();
const logText: string[] = [];

beforeAll(async () => {
  redis = await testRedis();
  producer = createRedisConnection(redis.url, { role: 'producer' });
  blocking = createRedisConnection(redis.url, { role: 'blocking' });
  queues = new StepQueues({ connection: producer, prefix: redis.prefix });
  const secrets = WorkerSecrets.of({ TOKEN, HOST }, [CREDENTIAL]);
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => logText.push(chunk.toString()));
  // As main.ts makes it: every line masked before it is written.
  const logger = createLogger({ name: 'worker-test', level: 'debug', destination, mask: (line) => secrets.mask.json(line) });
  const results = new ResultReporter(producer, redis.prefix);
  consumers = new StepConsumers({
    stepTypes: ['http', 'script'],
    concurrency: () => 4,
    processor: createStepProcessor({
      executors: new Map<string, StepExecutor>([
        ['http', http],
        ['script', scripts],
      ]),
      reportJson: (json) => results.reportJson(json),
      workerId: 'secret-worker',
      secrets,
      logger,
      circuitBreaker: new CircuitBreaker({ connection: producer, prefix: redis.prefix }),
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
  await scripts.close?.();
  await queues?.close();
  producer?.disconnect();
  blocking?.disconnect();
  await redis?.cleanup();
});

/** A job as the engine makes it: the definition's config resolved over `variables`, secrets as slots. */
function jobOf(stepType: 'http' | 'script', config: Record<string, unknown>, variables: Record<string, unknown> = {}): StepJob {
  const { value, secretSlots } = resolveWithSecretSlots(config, { variables }, SECRET_POLICIES.get(stepType)!.fields);
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
    config: value,
    ...(secretSlots.length > 0 ? { secretSlots } : {}),
    ...(stepType === 'script' ? { context: { results: {}, variables, input: {}, execution: { id: 'e', workflowId: 'wf', workflowVersion: '1' } } } : {}),
    enqueuedAt: Date.now(),
  };
}

async function run(job: StepJob): Promise<{ result: StepResult; failedReason: string | undefined; stacktrace: string[] }> {
  await queues.enqueueSteps([job]);
  const queue = new Queue(stepQueueName(job.stepType), { connection: producer, prefix: redis.prefix });
  try {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      const entries = (await producer.xrange(resultStreamKeys(redis.prefix).stream, '-', '+')) as [string, string[]][];
      const result = entries
        .map(([, fields]) => StepResultSchema.parse(JSON.parse(fields[fields.indexOf('r') + 1]!)))
        .find((r) => r.stepRunId === job.stepRunId);
      const state = await queue.getJobState(job.stepRunId);
      if (result && state !== 'active' && state !== 'waiting') {
        const stored = await queue.getJob(job.stepRunId);
        return { result, failedReason: stored?.failedReason, stacktrace: stored?.stacktrace ?? [] };
      }
    }
    throw new Error(`no result for ${job.stepRunId}`);
  } finally {
    await queue.close();
  }
}

const BEARER = 'Bearer {{ secrets.TOKEN }}';

describe('secrets on a worker', () => {
  it('sends the real secret, and echoes of it come back masked in the output and the logs', async () => {
    const job = jobOf(
      'http',
      { mode: 'echo', url: 'https://api.test/x', headers: { Authorization: BEARER }, query: { q: '{{ variables.q }}' } },
      { q: '{{ secrets.TOKEN }}' },
    );
    const { result } = await run(job);
    const sent = http.received.get(job.stepRunId)!;
    // The call got the token; the variable's `{{ secrets.TOKEN }}` text went as the text it is.
    expect(sent['headers']).toEqual({ Authorization: `Bearer ${TOKEN}` });
    expect(sent['query']).toEqual({ q: '{{ secrets.TOKEN }}' });
    expect(result).toMatchObject({
      outcome: 'succeeded',
      output: { body: { echoed: { headers: { Authorization: 'Bearer ***' }, query: { q: '{{ secrets.TOKEN }}' } } } },
    });
    // `Basic base64(user:TOKEN)`: the token's part of the base64 is masked too.
    const basic = (result as { output: { body: { basic: string } } }).output.body.basic;
    expect(basic).toMatch(/^dXNlcj.{0,4}\*\*\*.{0,4}$/);
    expect(result.logs.map((l) => l.message)).toEqual(['sending {"Authorization":"Bearer ***"} to https://api.test/x']);
  });

  it('masks a 500’s echoed body in the error details, and BullMQ’s failedReason and stack trace', async () => {
    const job = jobOf('http', { mode: '500', url: 'https://api.test/{{ secrets.TOKEN }}/x', headers: { Authorization: BEARER } });
    const { result, failedReason, stacktrace } = await run(job);
    expect(result).toMatchObject({ outcome: 'failed', error: { code: 'HTTP_STATUS', message: 'POST https://api.test/***/x responded 500' } });
    expect((result as { error: { details: { body: string } } }).error.details.body).toContain('"Authorization":"Bearer ***"');
    expect(failedReason).toBe('HTTP_STATUS: POST https://api.test/***/x responded 500');
    expect(stacktrace.join('\n')).not.toContain(TOKEN);
  });

  it('masks a secret host name in the circuit breaker’s key and the network error', async () => {
    const job = jobOf('http', { mode: 'network', url: 'https://{{ secrets.HOST }}.invalid/' });
    const { result } = await run(job);
    expect(http.received.get(job.stepRunId)!['url']).toBe(`https://${HOST}.invalid/`);
    expect(result).toMatchObject({
      outcome: 'failed',
      error: { code: 'NETWORK', message: 'GET https://***.invalid/ failed: getaddrinfo ENOTFOUND ***.invalid' },
    });
    const keys = (await redisTexts(redis.url, redis.prefix)).filter((t) => t.where.startsWith('key ') && t.text.includes('circuit'));
    expect(keys.map((k) => k.text)).toContainEqual(expect.stringContaining('http:***.invalid:443'));
  });

  it('masks an executor’s thrown message (INTERNAL), URL-encoded secret included', async () => {
    const job = jobOf('http', { mode: 'throw', url: 'https://api.test/?k={{ secrets.TOKEN }}' });
    const { result, failedReason } = await run(job);
    expect(result).toMatchObject({
      outcome: 'failed',
      error: { code: 'INTERNAL', message: 'executor "http" crashed: Error: crashed calling https://api.test/?k=*** with ***' },
    });
    expect(failedReason).toContain('***');
  });

  it('gives a script the secret it lists, and masks what it returns and logs, in any encoding', async () => {
    const job = jobOf('script', {
      script: [
        // No btoa in the sandbox: base64 by hand.
        "const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';",
        "const b64 = (s) => { let o = ''; for (let i = 0; i < s.length; i += 3) { const n = (s.charCodeAt(i) << 16) | ((s.charCodeAt(i + 1) || 0) << 8) | (s.charCodeAt(i + 2) || 0); o += A[(n >> 18) & 63] + A[(n >> 12) & 63] + (i + 1 < s.length ? A[(n >> 6) & 63] : '=') + (i + 2 < s.length ? A[n & 63] : '='); } return o; };",
        'console.log("token", secrets.TOKEN, b64(secrets.TOKEN));',
        'setVariable("leak", encodeURIComponent(secrets.TOKEN));',
        'return { plain: secrets.TOKEN, base64: b64(secrets.TOKEN), length: secrets.TOKEN.length, others: Object.keys(secrets) };',
      ].join('\n'),
      secrets: ['TOKEN'],
    });
    const { result } = await run(job);
    if (result.outcome === 'failed') throw new Error(JSON.stringify(result.error));
    expect(result).toMatchObject({
      outcome: 'succeeded',
      output: { plain: '***', base64: '***', length: TOKEN.length, others: ['TOKEN'] },
      variableUpdates: { leak: '***' },
    });
    expect(result.logs.map((l) => l.message)).toEqual(['token *** ***']);
  });

  it('fails with TEMPLATE a step naming a secret the worker does not hold', async () => {
    const { result } = await run(jobOf('http', { mode: 'echo', url: 'https://api.test/', headers: { A: '{{ secrets.NOT_HERE }}' } }));
    expect(result).toMatchObject({ outcome: 'failed', error: { code: 'TEMPLATE', details: { secret: 'NOT_HERE' } } });
  });

  it('leaves no secret in any form in Redis (every key, every type) or in the worker’s log', async () => {
    const stored = await redisTexts(redis.url, redis.prefix);
    expect(stored.length).toBeGreaterThan(10);
    expect(occurrences(stored, NEEDLES)).toEqual([]);
    expect(logText.join('')).toContain('***');
    expect(occurrences([{ where: 'log', text: logText.join('') }], NEEDLES)).toEqual([]);
  });
});
