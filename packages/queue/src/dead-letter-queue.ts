import type { Job } from 'bullmq';
import { stepQueueName } from './names.js';
import type { StepJob } from './step-job.js';
import type { StepQueues } from './step-queues.js';

/** A job of a step queue's failed set. */
export interface DeadLetter {
  stepType: string;
  job: Job<StepJob>;
}

/** An entry of the dead letter queue, by id: its job is not loaded. */
export interface DeadLetterRef {
  stepType: string;
  jobId: string;
  /** When the job failed (epoch ms): its score in the failed set. */
  failedAt: number;
}

/**
 * The dead letter queue: the failed sets of the step queues, read together. A job lands there only
 * when its last attempt failed (or its worker reported it unrecoverable), and stays until it is
 * retried or discarded.
 */
export class DeadLetterQueue {
  constructor(
    private readonly queues: StepQueues,
    private readonly stepTypes: readonly string[],
  ) {}

  /**
   * Newest first across every step type. Each failed set is ordered by the time its jobs failed,
   * so the first `offset + limit` of each, merged, hold the page.
   */
  async page(offset: number, limit: number): Promise<{ items: DeadLetter[]; total: number }> {
    const perType = await Promise.all(
      this.stepTypes.map(async (stepType) => {
        const queue = this.queues.queue(stepQueueName(stepType));
        const [jobs, count] = await Promise.all([queue.getFailed(0, offset + limit - 1), queue.getFailedCount()]);
        return { count, letters: jobs.filter(Boolean).map((job) => ({ stepType, job: job as Job<StepJob> })) };
      }),
    );
    const merged = perType.flatMap((t) => t.letters).sort((a, b) => (b.job.finishedOn ?? 0) - (a.job.finishedOn ?? 0) || a.job.id!.localeCompare(b.job.id!));
    return { items: merged.slice(offset, offset + limit), total: perType.reduce((sum, t) => sum + t.count, 0) };
  }

  /**
   * Every entry's job id and failure time, newest first across every step type, without loading a
   * job: what a caller filters (e.g. by namespace) before it loads a page with {@link load}. One
   * `ZREVRANGE` of each failed set.
   */
  async entries(): Promise<DeadLetterRef[]> {
    const perType = await Promise.all(
      this.stepTypes.map(async (stepType) => {
        const queue = this.queues.queue(stepQueueName(stepType));
        const flat = await this.queues.connection.zrevrange(queue.keys['failed']!, 0, -1, 'WITHSCORES');
        const refs: DeadLetterRef[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) refs.push({ stepType, jobId: flat[i]!, failedAt: Number(flat[i + 1]) });
        return refs;
      }),
    );
    return perType.flat().sort((a, b) => b.failedAt - a.failedAt || a.jobId.localeCompare(b.jobId));
  }

  /** The jobs of `refs`, in order; those no longer in their failed set are left out. */
  async load(refs: readonly DeadLetterRef[]): Promise<DeadLetter[]> {
    const letters = await Promise.all(refs.map((ref) => this.find(ref.stepType, ref.jobId)));
    return letters.filter((letter): letter is DeadLetter => letter !== undefined);
  }

  /** The job if it is in the step type's failed set. */
  async find(stepType: string, jobId: string): Promise<DeadLetter | undefined> {
    if (!this.stepTypes.includes(stepType)) return undefined;
    const queue = this.queues.queue(stepQueueName(stepType));
    const job = (await queue.getJob(jobId)) as Job<StepJob> | undefined;
    if (!job || !(await job.isFailed())) return undefined;
    return { stepType, job };
  }

  /** Removes the job; false when it was no longer in the failed set. */
  async discard(stepType: string, jobId: string): Promise<boolean> {
    const letter = await this.find(stepType, jobId);
    if (!letter) return false;
    await letter.job.remove();
    return true;
  }
}
