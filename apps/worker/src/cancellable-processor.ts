import type { Logger } from '@agentic-flow/telemetry';
import type { Job } from 'bullmq';
import type { RunningSteps } from './running-steps.js';
import type { JobProcessor, StepTrace } from './job-processor.js';

export interface CancellableProcessorOptions {
  /** The registry the cancellation subscriber aborts steps through. */
  running: RunningSteps;
  /**
   * Whether a run's cancellation marker exists (one Redis read). Asked only for a job that was
   * started before — a retry, or a job handed back by BullMQ's stalled check after its worker died —
   * which may have been cancelled while nobody was running it. Never asked on a first run.
   */
  wasCancelled?: (stepRunId: string) => Promise<boolean>;
  logger: Logger;
}

/**
 * Wraps the step processor so cancellations reach the job running it: each job is registered in
 * `running` under its id (the step run id) for as long as it runs, and the processor gets that
 * registration's signal. A job whose cancellation arrived before it got here (within the registry's
 * memory), or that ran before and carries a cancellation marker, ends at once without running:
 * BullMQ completes it, so it is neither retried nor dead-lettered.
 *
 * @example
 * const processor = cancellableProcessor(createStepProcessor(options), { running, wasCancelled, logger });
 */
export function cancellableProcessor(processor: JobProcessor, options: CancellableProcessorOptions): JobProcessor {
  const { running, wasCancelled, logger } = options;
  return async (job: Job, token?: string, signal?: AbortSignal, trace?: StepTrace): Promise<void> => {
    if (job.id === undefined) return processor(job, token, signal, trace);
    const stepRunId = job.id;
    const step = running.begin(stepRunId, signal);
    try {
      if (!step.signal.aborted && job.attemptsStarted > 1 && wasCancelled && (await markedCancelled(stepRunId, wasCancelled, logger))) {
        running.cancel([stepRunId]);
      }
      if (step.signal.aborted) {
        logger.info({ stepRunId, queue: job.queueName }, 'step cancelled before it started: ended without running');
        return;
      }
      await processor(job, token, step.signal, trace);
    } finally {
      step.end();
    }
  };
}

/** A marker that cannot be read does not stop the step: steps are at least once, and its result decides. */
async function markedCancelled(stepRunId: string, wasCancelled: (id: string) => Promise<boolean>, logger: Logger): Promise<boolean> {
  try {
    return await wasCancelled(stepRunId);
  } catch (error) {
    logger.warn({ err: error, stepRunId }, 'could not read the cancellation marker of a step that ran before: running it');
    return false;
  }
}
