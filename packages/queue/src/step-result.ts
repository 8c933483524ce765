import { AgentRunRecordSchema, HttpResponseSchema, StepErrorSchema } from '@agentic-flow/spec';
import { z } from 'zod';

export const StepLogSchema = z.object({
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  at: z.number(),
});

const resultFields = {
  v: z.literal(1),
  stepRunId: z.uuid(),
  executionId: z.uuid(),
  /** The run's instance key, echoed from the job; the coordinator checks it against the run. */
  instanceKey: z.string().min(1),
  attempt: z.number().int().min(1),
  logs: z.array(StepLogSchema).default([]),
  /** Epoch milliseconds on the worker, with sub-millisecond fractions. */
  startedAt: z.number(),
  finishedAt: z.number(),
  workerId: z.string(),
  /** Agent steps: provider, model, token usage and transcript. */
  agent: AgentRunRecordSchema.optional(),
};

/**
 * What a worker reports for one step run. Delivery is at least once: the coordinator applies a
 * result only if the run is still in flight with the same attempt, so duplicates change nothing.
 */
export const StepResultSchema = z.discriminatedUnion('outcome', [
  z.object({
    ...resultFields,
    outcome: z.literal('succeeded'),
    output: z.unknown(),
    variableUpdates: z.record(z.string(), z.unknown()).optional(),
    /** http steps: the response's status and headers (`output` is its body). */
    response: HttpResponseSchema.optional(),
  }),
  z.object({ ...resultFields, outcome: z.literal('failed'), error: StepErrorSchema }),
]);

export type StepResult = z.infer<typeof StepResultSchema>;
export type StepLog = z.infer<typeof StepLogSchema>;
