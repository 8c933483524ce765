import type { RunStepCommand } from '@agentic-flow/engine';
import type { StepJob } from '@agentic-flow/queue';

/** The execution a job belongs to. */
export interface JobExecution {
  id: string;
  workflowId: string;
  workflowVersion: string;
}

/**
 * What a job is made of: a `run-step` command's fields — the engine's own, or, for a run
 * PostgreSQL already holds, the same fields worked out again (`existing-run-jobs.ts`).
 */
export type JobWork = Pick<RunStepCommand, 'key' | 'stepId' | 'attempt' | 'config' | 'secretSlots' | 'context' | 'retry' | 'budget' | 'at'> & {
  stepType: string;
};

/**
 * A step's job, without its run id (known once its row is written; the job id is the run id).
 * The one place a `StepJob` is put together, for a `run-step` the engine just emitted
 * (`effects.ts`) and for a run enqueued again (`existing-run-jobs.ts`): the two cannot differ.
 */
export function stepJobDraft(execution: JobExecution, work: JobWork): Omit<StepJob, 'stepRunId'> {
  return {
    v: 1,
    executionId: execution.id,
    workflowId: execution.workflowId,
    workflowVersion: execution.workflowVersion,
    stepId: work.stepId,
    stepType: work.stepType,
    instanceKey: work.key,
    attempt: work.attempt,
    config: work.config,
    ...(work.secretSlots ? { secretSlots: work.secretSlots } : {}),
    ...(work.context ? { context: work.context } : {}),
    ...(work.retry ? { retry: work.retry } : {}),
    ...(work.budget ? { budget: work.budget } : {}),
    enqueuedAt: work.at,
  };
}
