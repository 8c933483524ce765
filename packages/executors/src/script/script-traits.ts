import type { ExecutorTraits } from '../step-executor.js';

/**
 * What the worker asks of the `script` type, answered by its executor (`createScriptExecutor`).
 * Scripts run locally, in sandbox processes: no target, so no circuit breaker.
 */
export const SCRIPT_EXECUTOR_TRAITS = {
  type: 'script',
  // CPU-bound: about one per core, each in a sandbox process of its own (the worker sizes its script
  // sandbox by this concurrency, before it creates the executor).
  defaultConcurrency: 4,
} as const satisfies ExecutorTraits;
