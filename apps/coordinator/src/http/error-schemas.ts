import { RecoveryStrategySchema, WorkflowIdSchema } from '@agentic-flow/spec';
import { z } from 'zod';

export const StrategyParamsSchema = z.strictObject({
  target: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be a step type or a step id (letters, digits, "_", "-", ".")'),
});

/** `?workflowId=`: the workflow whose step `:target` is; absent when `:target` is a step type. */
export const StrategyQuerySchema = z.strictObject({ workflowId: WorkflowIdSchema.optional() });

export const StrategyBodySchema = RecoveryStrategySchema;

export const ErrorParamsSchema = z.strictObject({ errorId: z.string().uuid('must be an error id (a UUID)') });

export const ListErrorsQuerySchema = z.strictObject({
  status: z.enum(['open', 'closed']).optional(),
  executionId: z.string().uuid('must be an execution id (a UUID)').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** `nextCursor` of the previous page. */
  cursor: z.string().min(1).optional(),
});

const DAY_MS = 86_400_000;

export const ErrorStatisticsQuerySchema = z
  .strictObject({
    /** Start of the window (inclusive), ISO 8601; default 24 hours before `to`. */
    from: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
    /** End of the window (exclusive), ISO 8601; default now. */
    to: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
  })
  .transform(({ from, to }) => {
    const end = to ? new Date(to) : new Date();
    return { from: from ? new Date(from) : new Date(end.getTime() - DAY_MS), to: end };
  })
  .refine(({ from, to }) => from < to, { message: 'from must be before to', path: ['from'] });

export const ResolutionBodySchema = z.discriminatedUnion(
  'action',
  [
    z.strictObject({ action: z.literal('retry') }),
    z.strictObject({ action: z.literal('skip') }),
    z.strictObject({
      action: z.literal('output'),
      /** Stands in for the step's output: any JSON value (null included); the body gate has checked its text. */
      output: z.unknown().refine((value) => value !== undefined, 'is required for action "output"'),
    }),
    z.strictObject({ action: z.literal('fail'), message: z.string().min(1).max(2000).optional() }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union' && issue['note'] === 'No matching discriminator' ? 'must be one of retry, skip, output, fail' : undefined,
  },
);

export const AlertsQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().min(1).optional() });
