import { getEventListeners } from 'node:events';
import { randomUUID } from 'node:crypto';
import { HTTP_EXECUTOR_TRAITS, type StepExecutor, type StepOutcome, type StepRuntime } from '@agentic-flow/executors';
import type { StepJob, StepResult } from '@agentic-flow/queue';
import { stepError } from '@agentic-flow/spec';
import { createLogger } from '@agentic-flow/telemetry';
import type { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { cancellableProcessor, type CancellableProcessorOptions } from '../src/cancellable-processor.js';
import { RunningSteps } from '../src/running-steps.js';
import { createStepProcessor } from '../src/step-processor.js';

/**
 * The step processor wrapped as the worker runs it, without Redis: BullMQ jobs are plain objects,
 * the executor waits on its signal the way the http executor does (a listener per attempt).
 */

function stepJob(overrides: Partial<StepJob> = {}): StepJob {
  const executionId = randomUUID();
  return {
    v: 1,
    stepRunId: randomUUID(),
    executionId,
    workflowId: 'wf',
    workflowVersion: '1',
    stepId: 'call',
    stepType: 'http',
    instanceKey: 'call',
    attempt: 1,
    config: {},
    enqueuedAt: 0,
    ...overrides,
  };
}

const bullJob = (data: StepJob, fields: { attempts?: number; attemptsMade?: number; attemptsStarted?: number } = {}): Job =>
  ({
    id: data.stepRunId,
    queueName: `step-${data.stepType}`,
    data,
    opts: { attempts: fields.attempts ?? 1 },
    attemptsMade: fields.attemptsMade ?? 0,
    attemptsStarted: fields.attemptsStarted ?? 1,
  }) as unknown as Job;

/** Runs until its signal aborts (then CANCELLED, or `onAbort`), or until released with an outcome. */
class WaitingExecutor implements StepExecutor {
  // The http type's own answers (breaker key, verdicts), as the real executor gives them.
  readonly type = HTTP_EXECUTOR_TRAITS.type;
  readonly defaultConcurrency = HTTP_EXECUTOR_TRAITS.defaultConcurrency;
  readonly circuitKey = HTTP_EXECUTOR_TRAITS.circuitKey;
  readonly circuitVerdict = HTTP_EXECUTOR_TRAITS.circuitVerdict;
  readonly signals = new Map<string, AbortSignal>();
  readonly started: string[] = [];
  private readonly releases = new Map<string, (outcome: StepOutcome) => void>();
  constructor(private readonly onAbort: StepOutcome = { ok: false, error: stepError('CANCELLED', 'cancelled') }) {}

  execute(input: { stepRunId: string }, runtime: StepRuntime): Promise<StepOutcome> {
    this.started.push(input.stepRunId);
    this.signals.set(input.stepRunId, runtime.signal);
    return new Promise((resolve) => {
      const onAbort = (): void => resolve(this.onAbort);
      runtime.signal.addEventListener('abort', onAbort, { once: true });
      this.releases.set(input.stepRunId, (outcome) => {
        runtime.signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      });
    });
  }

  release(stepRunId: string, outcome: StepOutcome): void {
    this.releases.get(stepRunId)!(outcome);
  }
}

function processorWith(executor: StepExecutor, extra: Partial<CancellableProcessorOptions> = {}) {
  const reported: StepResult[] = [];
  const running = new RunningSteps();
  const logger = createLogger({ name: 'test', level: 'silent' });
  const inner = createStepProcessor({
    executors: new Map([[executor.type, executor]]),
    reportJson: async (json) => {
      reported.push(JSON.parse(json) as StepResult);
    },
    workerId: 'w',
    secrets: {},
    logger,
  });
  return { processor: cancellableProcessor(inner, { running, logger, ...extra }), reported, running };
}

const warnings: Error[] = [];
const onWarning = (warning: Error): void => {
  warnings.push(warning);
};
process.on('warning', onWarning);
afterEach(() => {
  warnings.length = 0;
});

describe('cancellableProcessor around the step processor', () => {
  it('takes BullMQ’s per-job signal (BullMQ passes it to a processor declaring three parameters or more)', () => {
    expect(processorWith(new WaitingExecutor()).processor.length).toBeGreaterThanOrEqual(3);
  });

  it('gives each job a signal of its own: many concurrent steps add no listeners to a shared signal, and none stay after a job ends', async () => {
    const executor = new WaitingExecutor();
    const { processor } = processorWith(executor);
    const jobs = Array.from({ length: 12 }, () => stepJob());
    const done = jobs.map((job) => processor(bullJob(job)));
    await expect.poll(() => executor.started.length).toBe(12);
    expect(new Set(executor.signals.values()).size).toBe(12);
    for (const job of jobs) executor.release(job.stepRunId, { ok: true, output: 1 });
    await Promise.all(done);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    for (const signal of executor.signals.values()) expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('removes the listener it put on BullMQ’s signal when the job ends', async () => {
    const executor = new WaitingExecutor();
    const { processor } = processorWith(executor);
    const job = stepJob();
    const bullmq = new AbortController();
    const done = processor(bullJob(job), 'token', bullmq.signal);
    await expect.poll(() => executor.started.length).toBe(1);
    executor.release(job.stepRunId, { ok: true, output: 1 });
    await done;
    expect(getEventListeners(bullmq.signal, 'abort')).toHaveLength(0);
  });

  it('ends a cancelled job quietly: no result, no error (so BullMQ completes it: no retry, no dead letter)', async () => {
    const executor = new WaitingExecutor();
    const { processor, reported, running } = processorWith(executor);
    const job = stepJob();
    const done = processor(bullJob(job, { attempts: 3 }));
    await expect.poll(() => executor.started.length).toBe(1);
    expect(running.cancel([job.stepRunId])).toEqual([job.stepRunId]);
    await expect(done).resolves.toBeUndefined();
    expect(reported).toEqual([]);
    expect(running.ids()).toEqual([]);
  });

  it('ends quietly also when the cancelled executor reports a retryable failure instead of CANCELLED', async () => {
    const executor = new WaitingExecutor({ ok: false, error: stepError('NETWORK', 'socket closed') });
    const { processor, reported, running } = processorWith(executor);
    const job = stepJob();
    const done = processor(bullJob(job, { attempts: 3 }));
    await expect.poll(() => executor.started.length).toBe(1);
    running.cancel([job.stepRunId]);
    await expect(done).resolves.toBeUndefined();
    expect(reported).toEqual([]);
  });

  it('ends quietly when BullMQ cancels the job (worker.cancelJob)', async () => {
    const executor = new WaitingExecutor();
    const { processor, reported } = processorWith(executor);
    const job = stepJob();
    const bullmq = new AbortController();
    const done = processor(bullJob(job), 'token', bullmq.signal);
    await expect.poll(() => executor.started.length).toBe(1);
    bullmq.abort(new Error('cancelJob'));
    await expect(done).resolves.toBeUndefined();
    expect(reported).toEqual([]);
  });

  it('never starts a job whose cancellation arrived before the job was registered', async () => {
    const executor = new WaitingExecutor();
    const { processor, reported, running } = processorWith(executor);
    const job = stepJob();
    running.cancel([job.stepRunId]);
    await expect(processor(bullJob(job))).resolves.toBeUndefined();
    expect(executor.started).toEqual([]);
    expect(reported).toEqual([]);
  });

  it('asks whether a job that ran before was cancelled meanwhile, and only such a job', async () => {
    const executor = new WaitingExecutor();
    const asked: string[] = [];
    const cancelled = new Set<string>();
    const { processor, reported } = processorWith(executor, {
      wasCancelled: async (id) => {
        asked.push(id);
        return cancelled.has(id);
      },
    });
    const first = stepJob();
    const firstDone = processor(bullJob(first, { attemptsStarted: 1 }));
    await expect.poll(() => executor.started.length).toBe(1);
    executor.release(first.stepRunId, { ok: true, output: 1 });
    await firstDone;
    expect(asked).toEqual([]);

    const handedBack = stepJob();
    cancelled.add(handedBack.stepRunId);
    await expect(processor(bullJob(handedBack, { attemptsStarted: 2 }))).resolves.toBeUndefined();
    expect(asked).toEqual([handedBack.stepRunId]);
    expect(executor.started).toEqual([first.stepRunId]);
    expect(reported.map((r) => r.stepRunId)).toEqual([first.stepRunId]);
  });

  it('runs a job that ran before when its marker cannot be read: steps are at least once', async () => {
    const executor = new WaitingExecutor();
    const { processor, reported } = processorWith(executor, { wasCancelled: () => Promise.reject(new Error('redis down')) });
    const job = stepJob();
    const done = processor(bullJob(job, { attemptsStarted: 2 }));
    await expect.poll(() => executor.started).toEqual([job.stepRunId]);
    executor.release(job.stepRunId, { ok: true, output: 1 });
    await done;
    expect(reported.map((r) => r.outcome)).toEqual(['succeeded']);
  });
});
