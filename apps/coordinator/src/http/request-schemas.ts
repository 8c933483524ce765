import { EXECUTION_INCLUDES, EXECUTION_STATUSES, MAX_STEPS_PAGE, VersionSchema, WorkflowIdSchema, formatPath, type Problem } from '@agentic-flow/spec';
import { z } from 'zod';
import { validationFailed } from './api-error.js';

export const ExecuteBodySchema = z.strictObject({
  variables: z.record(z.string(), z.unknown()).default({}),
  version: VersionSchema.optional(),
  /** Overrides the definition's `tokenBudget` for this execution. */
  tokenBudget: z.number().int().min(1).optional(),
});

const statusList = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(EXECUTION_STATUSES)).min(1));

export const ListExecutionsQuerySchema = z.strictObject({
  workflowId: WorkflowIdSchema.optional(),
  status: statusList.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).optional(),
});

export const ListWorkflowsQuerySchema = z.strictObject({
  id: WorkflowIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).optional(),
});

export const WorkflowParamsSchema = z.strictObject({ workflowId: WorkflowIdSchema });
export const WorkflowVersionParamsSchema = z.strictObject({ workflowId: WorkflowIdSchema, version: VersionSchema });
export const ExecutionParamsSchema = z.strictObject({ executionId: z.string().uuid('must be an execution id (a UUID)') });
export const StepRunParamsSchema = z.strictObject({
  executionId: z.string().uuid('must be an execution id (a UUID)'),
  stepRunId: z.string().uuid('must be a step run id (a UUID)'),
});

const STEPS_LIMIT_MESSAGE = `must be an integer from 1 to ${MAX_STEPS_PAGE}`;

/**
 * `include=outputs`: a comma list of the parts to add to an execution's overview; `stepsLimit` and
 * `stepsCursor` page its step runs. The default page is the largest, so a client that never heard
 * of pages still reads every run of an execution of up to {@link MAX_STEPS_PAGE} runs.
 */
export const ExecutionReadQuerySchema = z.strictObject({
  stepsLimit: z.coerce
    .number({ error: STEPS_LIMIT_MESSAGE })
    .int({ error: STEPS_LIMIT_MESSAGE })
    .min(1, { error: STEPS_LIMIT_MESSAGE })
    .max(MAX_STEPS_PAGE, { error: STEPS_LIMIT_MESSAGE })
    .default(MAX_STEPS_PAGE),
  stepsCursor: z.string().min(1, { error: "must be a page's nextStepsCursor" }).optional(),
  include: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(EXECUTION_INCLUDES, { error: `must be a comma list of ${EXECUTION_INCLUDES.join(', ')}` })))
    .default([]),
});

/** Parses part of a request; every problem becomes a 400 naming where it is (`$.query.limit`). */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const problems: Problem[] = parsed.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: formatPath([where, ...issue.path, key]), message: `unknown field "${key}"` }))
      : [{ path: formatPath([where, ...issue.path]), message: issue.message.replace(/^Invalid input: /, '') }],
  );
  throw validationFailed(problems, where);
}
