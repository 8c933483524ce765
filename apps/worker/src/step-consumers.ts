import { RETRY_BACKOFF, stepQueueName } from '@agentic-flow/queue';
import { RetryPolicySchema, backoffDelayMs } from '@agentic-flow/spec';
import { Worker, type BackoffStrategy, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@agentic-flow/telemetry';
import { workerErrorListener } from './worker-error-log.js';

export interface StepConsumersOptions {
  stepTypes: readonly string[];
  concurrency: (stepType: string) => number;
  processor: (job: Job, token?: string, signal?: AbortSignal) => Promise<void>;
  connection: Redis;
  prefix: string;
  lockDuration: number;
  stalledInterval: number;
  /**
   * Times a job may leave its worker dead (or gone silent past its lock) before it fails for good
   * instead of going to another worker: a job that kills every worker taking it must not take the
   * whole fleet down, one worker after another. Default 3.
   */
  /** Workers that may die running a job before BullMQ fails it as stalled too often (default 10). */
  workerDeathLimit?: number;
  logger: Logger;
  /** Jitter source of the retry backoff; `Math.random` unless a test fixes it. */
  random?: () => number;
}

/** One BullMQ worker per consumed step type, each with its own concurrency. */
export class StepConsumers {
  private readonly workers: Worker[];

  constructor(options: StepConsumersOptions) {
    this.workers = options.stepTypes.map((type) => {
      const worker = new Worker(stepQueueName(type), options.processor, {
        connection: options.connection,
        prefix: options.prefix,
        concurrency: options.concurrency(type),
        lockDuration: options.lockDuration,
        stalledInterval: options.stalledInterval,
        // BullMQ fails a job whose stall count goes *over* maxStalledCount — the next worker to take it
        // fails it with "job stalled more than allowable limit" without running it — so a job
        // running on `workerDeathLimit` workers that died never runs again.
        maxStalledCount: (options.workerDeathLimit ?? 10) - 1,
        // Step jobs with a retry strategy ask for the RETRY_BACKOFF backoff type.
        settings: { backoffStrategy: stepRetryBackoff(options.logger, options.random ?? Math.random) },
        autorun: false,
      });
      worker.on('error', workerErrorListener(options.logger, type));
      return worker;
    });
  }

  start(): void {
    for (const worker of this.workers) void worker.run();
  }

  async waitUntilReady(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.waitUntilReady()));
  }

  /**
   * Stops taking jobs and waits up to `timeoutMs` for running ones. After that it closes by force
   * and the caller exits at once: the unfinished jobs keep their locks until those lapse, then
   * BullMQ's stalled check hands them to another worker.
   */
  async close(timeoutMs: number): Promise<'drained' | 'forced'> {
    const graceful = Promise.all(this.workers.map((worker) => worker.close())).then(() => 'drained' as const);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'forced'>((resolve) => {
      timer = setTimeout(() => resolve('forced'), timeoutMs);
    });
    const outcome = await Promise.race([graceful, deadline]);
    clearTimeout(timer);
    // No `close(true)` here: BullMQ returns the pending graceful close for a second call, which would
    // wait for the very jobs we are giving up on. The caller exits instead.
    return outcome;
  }
}

/**
 * BullMQ's custom backoff strategy for step jobs: `attemptsMade` counts the attempt that just
 * failed, which is the number of the retry to come, and the delay follows the job's `retry`
 * (spec's `backoffDelayMs`, the same formula the executors' in-process retries use). It is called
 * once per retry, so it also logs the retry. A job of another backoff type, or without a readable
 * `retry`, is retried at once.
 */
export function stepRetryBackoff(logger: Logger, random: () => number): BackoffStrategy {
  return (attemptsMade, type, error, job) => {
    const data = (job?.data ?? {}) as Record<string, unknown>;
    const retry = type === RETRY_BACKOFF ? RetryPolicySchema.safeParse(data['retry']) : undefined;
    const delayMs = retry?.success ? backoffDelayMs(retry.data, attemptsMade, random) : 0;
    const attempts = job?.opts.attempts ?? attemptsMade + 1;
    logger.warn(
      {
        executionId: data['executionId'],
        stepRunId: data['stepRunId'],
        stepId: data['stepId'],
        attempt: attemptsMade,
        attempts,
        delayMs,
        reason: error?.message,
      },
      `step attempt ${attemptsMade} of ${attempts} failed: retrying in ${delayMs} ms`,
    );
    return delayMs;
  };
}
