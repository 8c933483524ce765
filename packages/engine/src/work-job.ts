import { WORK_JOB_CONTENTS } from '@agentic-flow/spec';
import type { ScopePayload } from './commands.js';
import type { ExecutionState } from './execution-state.js';
import { remainingTokens } from './usage.js';

/** What a work step's job carries beside its config, by its type: spec's `WORK_JOB_CONTENTS` made into fields. */
export interface WorkJobContentFields {
  /** The step's scope, for a type whose code reads it. */
  context?: ScopePayload;
  /** What is left of the execution's token budget, for a type that spends tokens, when there is a budget. */
  budget?: { remainingTokens: number };
}

/**
 * The fields a job of `stepType` carries beside its config, as the type's `WORK_JOB_CONTENTS`
 * (spec) say: its scope, and what is left of the token budget. One function for the engine's
 * `run-step` (`queueWork`) and for the job the shell builds when it enqueues a stored run again (the
 * reconciler, a resume), so a job sent again carries what the engine sent first. `scope` is called
 * only when the job carries it: working it out costs lookups an http step's job does not need. (The
 * job's retry policy is the step's strategy's, not its type's: `retryPolicyOf`.)
 *
 * @example
 * workJobContents('agent-task', state, () => stepScope(workflow, state, key, stepId));
 * // with 900 tokens left of a budget: { context: {…}, budget: { remainingTokens: 900 } }
 */
export function workJobContents(stepType: string, state: ExecutionState, scope: () => ScopePayload): WorkJobContentFields {
  const contents = WORK_JOB_CONTENTS.get(stepType);
  const remaining = contents?.tokenBudget ? remainingTokens(state) : undefined;
  return {
    ...(contents?.scope ? { context: scope() } : {}),
    ...(remaining !== undefined ? { budget: { remainingTokens: remaining } } : {}),
  };
}
