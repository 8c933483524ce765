import { Queue, type JobsOptions } from 'bullmq';
import { reportedRuns, type ReportedRun } from './reported-results.js';
import { workingRuns } from './working-runs.js';
import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX, stepQueueName } from './names.js';
import type { StepJob } from './step-job.js';

export interface StepQueuesOptions {
  connection: Redis;
  prefix?: string;
}

/** The backoff type step jobs with a retry strategy use; workers register it (see `retryDelay`). */
export const RETRY_BACKOFF = 'af-retry';

/**
 * Completed jobs are removed at once (Postgres holds the outcome); failed jobs are kept: the failed
 * sets are the dead letter queue.
 */
export const STEP_JOB_OPTIONS: JobsOptions = { removeOnComplete: true, removeOnFail: false, attempts: 1 };

/** Producer side of the step queues, sharing one Redis connection. */
export class StepQueues {
  private readonly queues = new Map<string, Queue>();
  private readonly prefix: string;

  constructor(private readonly options: StepQueuesOptions) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
  }

  /** The Redis connection the queues share (direct reads of their keys, e.g. the failed sets). */
  get connection(): Redis {
    return this.options.connection;
  }

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.options.connection, prefix: this.prefix });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Adds step jobs with one `addBulk` per step type; the step run id is the job id. */
  async enqueueSteps(jobs: readonly StepJob[]): Promise<void> {
    const byType = new Map<string, StepJob[]>();
    for (const job of jobs) {
      const list = byType.get(job.stepType);
      if (list) list.push(job);
      else byType.set(job.stepType, [job]);
    }
    await Promise.all(
      [...byType].map(([type, list]) =>
        this.queue(stepQueueName(type)).addBulk(
          list.map((data) => ({
            name: data.stepId,
            data,
            opts: {
              ...STEP_JOB_OPTIONS,
              jobId: data.stepRunId,
              // A retry strategy is BullMQ's attempts; the worker computes each delay (RETRY_BACKOFF).
              ...(data.retry ? { attempts: data.retry.attempts, backoff: { type: RETRY_BACKOFF } } : {}),
            },
          })),
        ),
      ),
    );
  }

  /** Removes waiting jobs of withdrawn step runs; jobs already running finish and their results are ignored. */
  async removeSteps(jobs: readonly { stepType: string; stepRunId: string }[]): Promise<void> {
    await Promise.all(
      jobs.map((job) =>
        this.queue(stepQueueName(job.stepType))
          .remove(job.stepRunId)
          .catch(() => 0),
      ),
    );
  }

  /** Where a step run's job is: `waiting`, `active`, `delayed`, `failed`, … or `unknown` when Redis has none. */
  async jobState(stepType: string, stepRunId: string): Promise<string> {
    return this.queue(stepQueueName(stepType)).getJobState(stepRunId);
  }

  /**
   * Why a failed job failed and how often it ran, for the reconciler to tell a job whose hosts kept
   * dying (BullMQ failed it as stalled too often) from one that failed without reporting.
   */
  async jobFailure(stepType: string, stepRunId: string): Promise<{ failedReason: string; attemptsMade: number; attempts: number; stalls: number } | undefined> {
    const job = await this.queue(stepQueueName(stepType)).getJob(stepRunId);
    if (!job) return undefined;
    return { failedReason: job.failedReason ?? '', attemptsMade: job.attemptsMade, attempts: Math.max(1, job.opts.attempts ?? 1), stalls: job.stalledCounter };
  }

  /** The runs whose result a worker has reported and no coordinator applied yet (see `reported-results.ts`). */
  async reportedRuns(runs: readonly ReportedRun[]): Promise<Set<string>> {
    return reportedRuns(this.connection, this.prefix, runs);
  }

  /** The runs a live worker marked as running (see `working-runs.ts`). */
  async workingRuns(stepRunIds: readonly string[]): Promise<Set<string>> {
    return workingRuns(this.connection, this.prefix, stepRunIds);
  }

  /** Moves a failed job back to waiting, so a run whose result never arrived runs again. */
  async retryFailed(stepType: string, stepRunId: string): Promise<void> {
    const job = await this.queue(stepQueueName(stepType)).getJob(stepRunId);
    await job?.retry('failed');
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
  }
}
