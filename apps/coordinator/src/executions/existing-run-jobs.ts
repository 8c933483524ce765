import { remainingTokens, retryPolicyOf, stepOf, stepScope, type CompiledWorkflow, type DecideOptions, type ExecutionState } from '@agentic-flow/engine';
import type { StepJob } from '@agentic-flow/queue';
import { jobConfigOf } from './run-input.js';

export interface ExistingRun {
  id: string;
  instanceKey: string;
  stepId: string;
  stepType: string;
  attempt: number;
  /** The resolved config (and secret slots: `runInput`) stored with the run when it was first queued. */
  input: unknown;
}

/** Step types whose code reads the whole scope, as in the engine's run-step commands. */
const NEEDS_CONTEXT = new Set(['script', 'agent-task']);

/**
 * Jobs for runs PostgreSQL already holds as queued — jobs withdrawn at a pause, or lost with Redis —
 * under their existing ids, so enqueuing one that is still there is a no-op.
 */
export function jobsForExistingRuns(workflow: CompiledWorkflow, state: ExecutionState, runs: readonly ExistingRun[], now: number, options: DecideOptions): StepJob[] {
  const remaining = remainingTokens(state);
  return runs.map((run) => {
    // The same job the engine's run-step made: its retry policy and, for agents, what is left of the budget.
    const retry = retryPolicyOf(stepOf(workflow, run.stepId), options);
    return {
    v: 1,
    stepRunId: run.id,
    executionId: state.executionId,
    workflowId: state.workflowId,
    workflowVersion: state.workflowVersion,
    stepId: run.stepId,
    stepType: run.stepType,
    instanceKey: run.instanceKey,
    attempt: run.attempt,
    ...jobConfigOf(run.input),
    ...(NEEDS_CONTEXT.has(run.stepType) ? { context: stepScope(workflow, state, run.instanceKey, run.stepId) } : {}),
    ...(retry ? { retry } : {}),
    ...(run.stepType === 'agent-task' && remaining !== undefined ? { budget: { remainingTokens: remaining } } : {}),
    enqueuedAt: now,
  };
  });
}
