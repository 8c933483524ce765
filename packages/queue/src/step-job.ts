import { RetryPolicySchema, SecretSlotSchema, StepContextSchema } from '@agentic-flow/spec';
import { z } from 'zod';

/**
 * A step on its way to a worker. The job id is `stepRunId`, so enqueuing the same run twice (a retry
 * after a crash, the reconciler) never yields two jobs. `v` lets producers and consumers of different
 * releases notice each other.
 */
export const StepJobSchema = z.object({
  v: z.literal(1),
  stepRunId: z.string().min(1),
  executionId: z.string().min(1),
  workflowId: z.string(),
  workflowVersion: z.string(),
  stepId: z.string().min(1),
  stepType: z.string().min(1),
  instanceKey: z.string().min(1),
  attempt: z.number().int().min(1),
  /** The step's config, templates resolved by the engine; a worker resolves no template in it. */
  config: z.unknown(),
  /**
   * The only places a worker puts secret values: each names a string of `config` and its pieces
   * (text, and secret names). Made by the engine from the definition's text, never from data.
   */
  secretSlots: z.array(SecretSlotSchema).max(1000).optional(),
  /** The step's scope, for step types whose code reads it (spec's `WORK_JOB_CONTENTS`). */
  context: StepContextSchema.optional(),
  /**
   * The step's retry strategy, carried out by BullMQ (`attempts` and a backoff computed by the
   * worker from these fields): only a step whose last attempt failed reports a result and lands in
   * the failed set. Present exactly when the step's strategy is `retry`, which makes the strategy
   * the run's one retry owner (spec's `retryOwnerOf`): the executor tries each call once per attempt.
   */
  retry: RetryPolicySchema.optional(),
  /** Agent steps of an execution with a `tokenBudget`: what is left of it when the job was enqueued. */
  budget: z.object({ remainingTokens: z.number().int() }).optional(),
  /** W3C trace context of the coordinator's span, so the worker's span joins the trace. */
  traceparent: z.string().optional(),
  /** Epoch ms when the coordinator enqueued it: measures queue wait. */
  enqueuedAt: z.number(),
});

export type StepJob = z.infer<typeof StepJobSchema>;
