import { randomUUID } from 'node:crypto';
import { HTTP_EXECUTOR_TRAITS, type StepExecutor, type StepOutcome } from '@agentic-flow/executors';
import { StepResultSchema, type StepJob, type StepResult } from '@agentic-flow/queue';
import { createLogger } from '@agentic-flow/telemetry';
import { UnrecoverableError, type Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createStepProcessor, type StepProcessorOptions } from '../src/step-processor.js';

/**
 * The step processor without Redis: BullMQ jobs are plain objects and results are collected. What
 * goes through BullMQ (retries, failed sets) is in step-processor.int.test.ts.
 */

const job = (overrides: Partial<StepJob> = {}): Job => {
  const data: StepJob = {
    v: 1,
    stepRunId: randomUUID(),
    executionId: randomUUID(),
    workflowId: 'wf',
    workflowVersion: '1',
    stepId: 's',
    stepType: 'http',
    instanceKey: 's',
    attempt: 1,
    config: {},
    enqueuedAt: 0,
    ...overrides,
  };
  return { id: data.stepRunId, queueName: 'step-http', data, opts: { attempts: 1 }, attemptsMade: 0, attemptsStarted: 1 } as unknown as Job;
};

function processorWith(outcome: StepOutcome, extra: Partial<StepProcessorOptions> = {}) {
  const reported: StepResult[] = [];
  const executor: StepExecutor = { ...HTTP_EXECUTOR_TRAITS, execute: async () => outcome };
  const processor = createStepProcessor({
    executors: new Map([['http', executor]]),
    reportJson: async (json) => {
      reported.push(StepResultSchema.parse(JSON.parse(json)));
    },
    workerId: 'w',
    secrets: {},
    logger: createLogger({ name: 'test', level: 'silent' }),
    ...extra,
  });
  return { processor, reported };
}

describe('createStepProcessor', () => {
  it('never walks a config beyond its secret slots (a forged 100,000-deep config runs as it is)', async () => {
    const { processor, reported } = processorWith({ ok: true, output: 1 });
    const config: unknown = JSON.parse(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
    await processor(job({ config }));
    expect(reported).toEqual([expect.objectContaining({ outcome: 'succeeded', output: 1 })]);
  });

  it("reports an http step's response (status and headers) beside its output, masked like the rest", async () => {
    const { processor, reported } = processorWith(
      { ok: true, output: { items: [1] }, response: { status: 201, headers: { 'x-echo': 'token tok-secret-1' } } },
      { secrets: { TOKEN: 'tok-secret-1' } },
    );
    await processor(job());
    expect(reported).toEqual([
      expect.objectContaining({ outcome: 'succeeded', output: { items: [1] }, response: { status: 201, headers: { 'x-echo': 'token ***' } } }),
    ]);
  });

  it('measures every output against the limits it is given', async () => {
    const { processor, reported } = processorWith({ ok: true, output: 'x'.repeat(2000) }, { outputLimits: { maxBytes: 1024, maxDepth: 200 } });
    await expect(processor(job())).rejects.toThrow('OUTPUT_TOO_LARGE');
    expect(reported[0]).toMatchObject({ outcome: 'failed', error: { code: 'OUTPUT_TOO_LARGE', details: { bytes: 2002, limit: 1024 } } });
  });

  it('masks the worker’s own credentials out of an INTERNAL message too', async () => {
    const executor: StepExecutor = {
      ...HTTP_EXECUTOR_TRAITS,
      execute: async () => {
        throw new Error('auth failed for redis-password-42');
      },
    };
    const reported: string[] = [];
    const processor = createStepProcessor({
      executors: new Map([['http', executor]]),
      reportJson: async (json) => void reported.push(json),
      workerId: 'w',
      secrets: {},
      redact: ['redis-password-42'],
      logger: createLogger({ name: 'test', level: 'silent' }),
    });
    await expect(processor(job())).rejects.toThrow(UnrecoverableError);
    expect(reported[0]).toContain('auth failed for ***');
    expect(reported[0]).not.toContain('redis-password-42');
  });

  it('counts a sandbox crash towards POISON and touches no counter on the normal path', async () => {
    const counted: string[] = [];
    const crashQuarantine = { counter: { record: async (id: string) => counted.push(id) }, threshold: 2 };
    const crash: StepOutcome = { ok: false, error: { code: 'SANDBOX_CRASHED', message: 'died', details: { signal: 'SIGABRT', exitCode: null } } };
    const crashing = processorWith(crash, { crashQuarantine });
    const bomb = job();
    await expect(crashing.processor(bomb)).rejects.toThrow('SANDBOX_CRASHED');
    await expect(crashing.processor(bomb)).rejects.toThrow('POISON');
    expect(crashing.reported.map((r) => (r.outcome === 'failed' ? [r.error.code, r.error.details?.['crashes']] : r.outcome))).toEqual([
      ['SANDBOX_CRASHED', 1],
      ['POISON', 2],
    ]);

    const healthy = processorWith({ ok: true, output: 1 }, { crashQuarantine });
    await healthy.processor(job());
    expect(counted).toHaveLength(2);
  });

  it('reports a malformed job that still names its run as INTERNAL, and dead-letters one that does not', async () => {
    const { processor, reported } = processorWith({ ok: true, output: 1 });
    const named = job();
    (named.data as Record<string, unknown>)['v'] = 2;
    await expect(processor(named)).rejects.toThrow(UnrecoverableError);
    expect(reported).toEqual([
      expect.objectContaining({
        stepRunId: named.id,
        outcome: 'failed',
        error: { code: 'INTERNAL', message: expect.stringMatching(/^malformed step job: v: /) },
      }),
    ]);

    const anonymous = { ...job(), data: { hello: 'world' } } as unknown as Job;
    await expect(processor(anonymous)).rejects.toThrow('malformed step job');
    expect(reported).toHaveLength(1);
  });
});
