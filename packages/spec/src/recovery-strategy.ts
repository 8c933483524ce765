import { z } from 'zod';
import { DurationMsSchema, StepIdSchema } from './ids.js';

export const RetryStrategySchema = z.strictObject({
  type: z.literal('retry'),
  maxAttempts: z.number().int().min(1).max(100).default(3),
  /** Delay before the first retry; grows exponentially unless `backoff` is `fixed`. */
  retryDelay: z.number().int().min(0).default(1000),
  backoff: z.enum(['exponential', 'fixed']).default('exponential'),
  maxDelay: DurationMsSchema.optional(),
  jitter: z.boolean().default(true),
});

export const SkipStrategySchema = z.strictObject({ type: z.literal('skip') });

export const AlternativeStrategySchema = z.strictObject({
  type: z.literal('alternative'),
  alternativeStep: StepIdSchema,
});

export const RollbackStrategySchema = z.strictObject({
  type: z.literal('rollback'),
  /** Compensation steps, run in reverse order. */
  rollbackSteps: z.array(StepIdSchema).min(1, 'must name at least one step'),
});

export const EscalateStrategySchema = z.strictObject({
  type: z.literal('escalate'),
  escalationHandler: z.string().min(1).optional(),
});

export const RecoveryStrategySchema = z.discriminatedUnion(
  'type',
  [RetryStrategySchema, SkipStrategySchema, AlternativeStrategySchema, RollbackStrategySchema, EscalateStrategySchema],
  {
    error: (issue) =>
      issue.code === 'invalid_union' && issue['note'] === 'No matching discriminator'
        ? 'unknown strategy type (expected one of retry, skip, alternative, rollback, escalate)'
        : undefined,
  },
);

export type RecoveryStrategy = z.infer<typeof RecoveryStrategySchema>;
