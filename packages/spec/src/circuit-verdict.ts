/**
 * What one step's outcome says about the health of the target its circuit breaker guards:
 * `failure` counts towards opening it, `success` closes it (a trial) and resets the count,
 * `ignore` says nothing (the call never reached the target) and only frees a half-open trial slot.
 * Here because both sides speak it: the executors classify their own failures, the queue's
 * `CircuitBreaker` records the verdict.
 */
export type CircuitVerdict = 'success' | 'failure' | 'ignore';
