import { StepErrorSchema } from '@agentic-flow/spec';
import { z } from 'zod';

export const StepLogSchema = z.object({
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  at: z.number(),
});

/**
 * What a worker reports for one step run. Delivery is at least once: the coordinator applies a
 * result only if the run is still queued with the same attempt, so duplicates change nothing.
 */
export const StepResultSchema = z.discriminatedUnion('outcome', [
  z.object({
    v: z.literal(1),
    outcome: z.literal('succeeded'),
    stepRunId: z.uuid(),
    executionId: z.uuid(),
    /** The run's instance key, echoed from the job; the coordinator checks it against the run. */
    instanceKey: z.string().min(1),
    attempt: z.number().int().min(1),
    output: z.unknown(),
    variableUpdates: z.record(z.string(), z.unknown()).optional(),
    logs: z.array(StepLogSchema).default([]),
    startedAt: z.number(),
    finishedAt: z.number(),
    workerId: z.string(),
  }),
  z.object({
    v: z.literal(1),
    outcome: z.literal('failed'),
    stepRunId: z.uuid(),
    executionId: z.uuid(),
    /** The run's instance key, echoed from the job; the coordinator checks it against the run. */
    instanceKey: z.string().min(1),
    attempt: z.number().int().min(1),
    error: StepErrorSchema,
    logs: z.array(StepLogSchema).default([]),
    startedAt: z.number(),
    finishedAt: z.number(),
    workerId: z.string(),
  }),
]);

export type StepResult = z.infer<typeof StepResultSchema>;
export type StepLog = z.infer<typeof StepLogSchema>;
