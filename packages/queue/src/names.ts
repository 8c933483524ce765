/** One BullMQ queue per step type that runs on workers; results come back on one Redis stream. */
export const RESULTS_QUEUE = 'step-results';

export function stepQueueName(stepType: string): string {
  return `step-${stepType}`;
}

/** Redis key prefix for every queue; tests pass their own so test files never share queues. */
export const DEFAULT_PREFIX = 'af';
