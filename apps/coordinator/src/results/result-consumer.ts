import { RESULTS_QUEUE, StepResultSchema, type StepResult } from '@agentic-flow/queue';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@agentic-flow/telemetry';
import { GroupCommitter } from './group-committer.js';
import type { ApplyOutcome } from './result-applier.js';

export interface ResultConsumerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  batchSize: number;
  apply: (results: StepResult[]) => Promise<ApplyOutcome[]>;
  logger: Logger;
}

/**
 * Consumes `step-results`. Many result jobs are in flight at once and their processors share one
 * group commit, so a burst of results costs a few transactions instead of one each. A malformed
 * result is logged and dead-lettered (an UnrecoverableError lands it in the failed set).
 */
export class ResultConsumer {
  private readonly worker: Worker;
  private readonly committer: GroupCommitter<StepResult, ApplyOutcome>;

  constructor(private readonly options: ResultConsumerOptions) {
    this.committer = new GroupCommitter(options.apply, options.batchSize);
    this.worker = new Worker(RESULTS_QUEUE, (job) => this.process(job), {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      autorun: false,
    });
    this.worker.on('error', (error) => options.logger.error({ err: error }, 'result consumer error'));
    this.worker.on('failed', (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) options.logger.error({ jobId: job.id, err: error }, 'result dead-lettered');
    });
  }

  start(): void {
    void this.worker.run();
  }

  waitUntilReady(): Promise<unknown> {
    return this.worker.waitUntilReady();
  }

  private async process(job: Job): Promise<ApplyOutcome> {
    const parsed = StepResultSchema.safeParse(job.data);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      this.options.logger.error({ jobId: job.id, problems }, 'malformed step result: dead-lettered');
      throw new UnrecoverableError(`malformed step result: ${problems}`);
    }
    return this.committer.submit(parsed.data);
  }

  /** Stops taking results and waits for the batches in progress to commit. */
  close(): Promise<void> {
    return this.worker.close();
  }
}
