import { randomUUID } from 'node:crypto';
import {
  AGENT_EXECUTOR_TRAITS,
  ProviderError,
  ProviderRegistry,
  createAgentExecutor,
  type ChatProvider,
  type ChatRequest,
  type ChatResponse,
  type StepExecutionInput,
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
import { testRedis, type TestRedis } from '@agentic-flow/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepConsumers } from '../src/step-consumers.js';
import { createStepProcessor, type StepCircuitBreaker } from '../src/step-processor.js';

/**
 * Agent steps through the worker on real BullMQ and Redis, with the real agent executor and an
 * in-memory LLM provider whose replies each job's goal picks: the job's token budget reaches the
 * executor, the agent record reaches the reported result, and agent failures follow the retry and
 * circuit breaker rules.
 */

type Reply = ChatResponse | ProviderError;
const answer = (text: string, inputTokens = 60, outputTokens = 40): ChatResponse => ({
  message: { content: text, toolCalls: [] },
  finishReason: 'stop',
  usage: { inputTokens, outputTokens },
  model: 'mem-model-2024',
});

/** Replies by goal: each test's job names its own script. */
const scripts = new Map<string, Reply[]>();
const calls = new Map<string, number>();
const provider: ChatProvider = {
  name: 'mem',
  kind: 'openai',
  defaultModel: 'mem-model',
  baseUrl: 'http://mem.invalid/v1',
  async chat(request: ChatRequest): Promise<ChatResponse> {
    const goal = /Goal: (\S+)/.exec(request.messages.find((m) => m.role === 'user')?.content ?? '')?.[1] ?? '';
    const n = calls.get(goal) ?? 0;
    calls.set(goal, n + 1);
    const script = scripts.get(goal) ?? [];
    const reply = script[Math.min(n, script.length - 1)];
    if (reply === undefined) throw new Error(`no script for ${goal}`);
    if (reply instanceof ProviderError) throw reply;
    return reply;
  },
};

let redis: TestRedis;
let producer: Redis;
let blocking: Redis;
let queues: StepQueues;
let consumers: StepConsumers;
const inputs: StepExecutionInput[] = [];
const verdicts: { key: string; verdict: string }[] = [];

beforeAll(async () => {
  redis = await testRedis();
  producer = createRedisConnection(redis.url, { role: 'producer' });
  blocking = createRedisConnection(redis.url, { role: 'blocking' });
  queues = new StepQueues({ connection: producer, prefix: redis.prefix });
  const logger = createLogger({ name: 'worker-agent-test', level: 'silent' });

  const agent = createAgentExecutor({ providers: new ProviderRegistry([provider], 'mem') });
  // Notes each input the executor receives, then runs the real one.
  const noting: StepExecutor = {
    ...AGENT_EXECUTOR_TRAITS,
    execute: (input, runtime) => {
      inputs.push(input);
      return agent.execute(input as never, runtime);
    },
  };
  // A breaker that lets everything through and notes the verdicts.
  const breaker: StepCircuitBreaker = {
    acquire: async (key) => ({ allowed: true, key, trial: false }) as never,
    record: async (permit, verdict) => {
      verdicts.push({ key: permit.key, verdict });
      return 'closed';
    },
  };
  const results = new ResultReporter(producer, redis.prefix);
  consumers = new StepConsumers({
    stepTypes: ['agent-task'],
    concurrency: () => 4,
    processor: createStepProcessor({
      executors: new Map([['agent-task', noting]]),
      reportJson: (json) => results.reportJson(json),
      workerId: 'agent-worker',
      secrets: {},
      logger,
      circuitBreaker: breaker,
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

function agentJob(goal: string, replies: Reply[], overrides: Partial<StepJob> = {}): StepJob {
  scripts.set(goal, replies);
  return {
    v: 1,
    stepRunId: randomUUID(),
    executionId: randomUUID(),
    workflowId: 'wf',
    workflowVersion: '1',
    stepId: 'agent',
    stepType: 'agent-task',
    instanceKey: 'agent',
    attempt: 1,
    config: { goal, provider: 'mem' },
    enqueuedAt: Date.now(),
    ...overrides,
  };
}

async function settled(job: StepJob): Promise<{ results: StepResult[]; attemptsMade: number | undefined }> {
  const queue = new Queue(stepQueueName(job.stepType), { connection: producer, prefix: redis.prefix });
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const state = await queue.getJobState(job.stepRunId);
      if (state === 'failed' || state === 'completed' || state === 'unknown') break;
      if (Date.now() > deadline) throw new Error(`job ${job.stepRunId} did not settle`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const attemptsMade = (await queue.getJob(job.stepRunId))?.attemptsMade;
    const entries = (await producer.xrange(resultStreamKeys(redis.prefix).stream, '-', '+')) as [string, string[]][];
    const results = entries
      .map(([, fields]) => StepResultSchema.parse(JSON.parse(fields[fields.indexOf('r') + 1]!)))
      .filter((r) => r.stepRunId === job.stepRunId);
    return { results, attemptsMade };
  } finally {
    await queue.close();
  }
}

describe('agent steps in the worker', () => {
  it('passes the job budget to the executor and the agent record into the result', async () => {
    const job = agentJob('summarize', [answer('{"ok": true}')], { budget: { remainingTokens: 5_000 } });
    await queues.enqueueSteps([job]);
    const { results } = await settled(job);

    expect(inputs.find((i) => i.stepRunId === job.stepRunId)?.budget).toEqual({ remainingTokens: 5_000 });
    expect(results).toHaveLength(1);
    const [result] = results;
    expect(result).toMatchObject({
      outcome: 'succeeded',
      output: { ok: true },
      agent: { provider: 'mem', model: 'mem-model-2024', usage: { inputTokens: 60, outputTokens: 40 } },
    });
    expect(result!.agent!.transcript.map((e) => e.role)).toEqual(['system', 'user', 'assistant']);
    // The per-call log line is in the step's logs.
    expect(result!.logs.some((l) => l.level === 'info' && l.message.startsWith('agent call 1: mem/mem-model-2024'))).toBe(true);
    expect(verdicts).toContainEqual({ key: 'agent-task:mem', verdict: 'success' });
  });

  it('runs without a budget when the job has none', async () => {
    const job = agentJob('unbounded', [answer('fine', 1_000_000, 1)]);
    await queues.enqueueSteps([job]);
    const { results } = await settled(job);
    expect(inputs.find((i) => i.stepRunId === job.stepRunId)).not.toHaveProperty('budget');
    expect(results[0]).toMatchObject({ outcome: 'succeeded', output: 'fine' });
  });

  it('reports AGENT_BUDGET at once with its agent record, although attempts remain', async () => {
    const job = agentJob('expensive', [answer('too long', 900, 200)], {
      budget: { remainingTokens: 1_000 },
      retry: { attempts: 3, delayMs: 20, backoff: 'fixed', jitter: false },
    });
    await queues.enqueueSteps([job]);
    const { results, attemptsMade } = await settled(job);
    expect(attemptsMade).toBe(1);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      outcome: 'failed',
      error: { code: 'AGENT_BUDGET', details: { budget: 1_000, used: 1_100 } },
      agent: { usage: { inputTokens: 900, outputTokens: 200 } },
    });
  });

  it('retries a 503 from the provider, records it as a breaker failure, and reports the success with its record', async () => {
    const job = agentJob('flaky', [new ProviderError('service unavailable', { provider: 'mem', status: 503, attempts: 4 }), answer('second time lucky')], {
      retry: { attempts: 2, delayMs: 20, backoff: 'fixed', jitter: false },
    });
    const before = verdicts.length;
    await queues.enqueueSteps([job]);
    const { results } = await settled(job);
    // Completed jobs are removed: count the provider's calls instead of BullMQ's attempts.
    expect(calls.get('flaky')).toBe(2);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: 'succeeded', output: 'second time lucky', agent: { provider: 'mem' } });
    expect(verdicts.slice(before)).toEqual([
      { key: 'agent-task:mem', verdict: 'failure' },
      { key: 'agent-task:mem', verdict: 'success' },
    ]);
  });

  it('reports a provider 401 as AGENT_PROVIDER without blaming the provider', async () => {
    const job = agentJob('unauthorized', [new ProviderError('invalid api key', { provider: 'mem', status: 401, attempts: 1 })]);
    const before = verdicts.length;
    await queues.enqueueSteps([job]);
    const { results } = await settled(job);
    expect(results[0]).toMatchObject({ outcome: 'failed', error: { code: 'AGENT_PROVIDER', details: { status: 401 } }, agent: { provider: 'mem' } });
    expect(verdicts.slice(before)).toEqual([{ key: 'agent-task:mem', verdict: 'success' }]);
  });
});
