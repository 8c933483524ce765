import type { Logger } from './logger.js';

/**
 * The ids that tie a log line to the work it is about. Each is optional: a coordinator log about an
 * execution has only `executionId`; a worker log about a job has all four.
 */
export interface CorrelationIds {
  /** The workflow execution. */
  executionId?: string;
  /** The step run (one attempt or loop iteration of a step); also the BullMQ job id. */
  stepRunId?: string;
  /** The step's id in the workflow definition. */
  stepId?: string;
  /** The BullMQ job id, when it differs from the step run id (e.g. a repeatable trigger job). */
  jobId?: string;
}

const CORRELATION_KEYS = ['executionId', 'stepRunId', 'stepId', 'jobId'] as const;

/**
 * Returns a child logger whose every line carries the given correlation ids. Ids that are
 * `undefined` are left out rather than written as `null`, so a field's presence means something.
 *
 * @example
 * ```ts
 * const log = withCorrelation(logger, { executionId: job.data.executionId, stepRunId: job.id });
 * log.info('step started'); // {"service":"worker","executionId":"…","stepRunId":"…","msg":"step started"}
 * ```
 */
export function withCorrelation(logger: Logger, ids: CorrelationIds): Logger {
  const bindings: Record<string, string> = {};
  for (const key of CORRELATION_KEYS) {
    const value = ids[key];
    if (value !== undefined) bindings[key] = value;
  }
  return logger.child(bindings);
}
