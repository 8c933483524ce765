import { ALERT_SINK_EVENTS, SECRET_NAME_PATTERN, WORK_STEP_TYPES, WorkflowIdSchema } from '@agentic-flow/spec';
import { z } from 'zod';

const DAY_MS = 86_400_000;
const dateTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });

/** [from, to): default the 24 hours before `to` (default now); at most 31 days. */
function window(query: { from?: string | undefined; to?: string | undefined }): { from: Date; to: Date } {
  const to = query.to ? new Date(query.to) : new Date();
  return { from: query.from ? new Date(query.from) : new Date(to.getTime() - DAY_MS), to };
}
const windowChecks = <T extends { from: Date; to: Date }>(schema: z.ZodType<T>) =>
  schema
    .refine(({ from, to }) => from < to, { message: 'from must be before to', path: ['from'] })
    .refine(({ from, to }) => to.getTime() - from.getTime() <= 31 * DAY_MS, { message: 'the window may span 31 days at most', path: ['from'] });

export const WorkflowMetricsQuerySchema = windowChecks(
  z
    .strictObject({ workflowId: WorkflowIdSchema.optional(), from: dateTime.optional(), to: dateTime.optional() })
    .transform((q) => ({ workflowId: q.workflowId, ...window(q) })),
);

export const StepMetricsQuerySchema = windowChecks(
  z
    .strictObject({
      workflowId: WorkflowIdSchema.optional(),
      stepType: z.string().min(1).max(64).optional(),
      byStep: z.enum(['true', 'false']).optional(),
      from: dateTime.optional(),
      to: dateTime.optional(),
    })
    .transform((q) => ({ workflowId: q.workflowId, stepType: q.stepType, byStep: q.byStep === 'true', ...window(q) })),
);

export const SinkParamsSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a sink name: 1-63 lowercase letters, digits or "-", starting with a letter or digit'),
});

export const SinkBodySchema = z.strictObject({
  url: z
    .string()
    .max(2048)
    .refine((text) => {
      try {
        const url = new URL(text);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
      } catch {
        return false;
      }
    }, 'must be an http:// or https:// URL without credentials'),
  events: z.array(z.enum(ALERT_SINK_EVENTS)).min(1).max(ALERT_SINK_EVENTS.length).default(['alert:created', 'alert:resolved']),
  alertTypes: z.array(z.string().min(1).max(64)).min(1).max(32).nullable().default(null),
  secretName: z
    .string()
    .regex(SECRET_NAME_PATTERN, 'must be a secret name: letters, digits, "_" or "-", starting with a letter or "_"')
    .nullable()
    .default(null),
  format: z.enum(['json', 'slack']).default('json'),
});

export const DeliveriesQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().min(1).optional() });

export { WORK_STEP_TYPES };
