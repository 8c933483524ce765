import { retryPolicyOf, stepOf, stepScope, workJobContents, type CompiledWorkflow, type DecideOptions, type ExecutionState } from '@agentic-flow/engine';
import type { StepJob } from '@agentic-flow/queue';
import { jobConfigOf } from './run-input.js';
import { stepJobDraft } from './step-job.js';

export interface ExistingRun {
  id: string;
  instanceKey: string;
  stepId: string;
  stepType: string;
  attempt: number;
  /** The resolved config (and secret slots: `runInput`) stored with the run when it was first queued. */
  input: unknown;
}

/**
 * Jobs for runs PostgreSQL already holds as queued — jobs withdrawn at a pause, or lost with Redis —
 * under their existing ids, so enqueuing one that is still there is a no-op. Each is the job the
 * engine's `run-step` made: the stored config and slots, the step's retry policy, and what its
 * type's job carries from the engine's own `workJobContents` over the execution's current state (its
 * scope, what is left of the token budget), put together by the same `stepJobDraft`.
 */
export function jobsForExistingRuns(
  workflow: CompiledWorkflow,
  state: ExecutionState,
  runs: readonly ExistingRun[],
  now: number,
  options: DecideOptions,
): StepJob[] {
  const execution = { id: state.executionId, workflowId: state.workflowId, workflowVersion: state.workflowVersion };
  return runs.map((run) => {
    const retry = retryPolicyOf(stepOf(workflow, run.stepId), options);
    const contents = workJobContents(run.stepType, state, () => stepScope(workflow, state, run.instanceKey, run.stepId));
    const work = {
      key: run.instanceKey,
      stepId: run.stepId,
      stepType: run.stepType,
      attempt: run.attempt,
      ...jobConfigOf(run.input),
      ...contents,
      ...(retry ? { retry } : {}),
      at: now,
    };
    return { ...stepJobDraft(execution, work), stepRunId: run.id };
  });
}
