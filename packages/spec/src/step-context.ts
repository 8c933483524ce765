import { z } from 'zod';

/**
 * What a step's code and expressions can read of its execution: the scope the engine computes for a
 * condition, a loop, a script or an agent, the `context` a step job carries to a worker, and what an
 * executor is handed. One schema, so the engine's payload, the queue's check of a job and the
 * executors' input cannot drift apart.
 */
export const StepContextSchema = z.object({
  /** Each visible step's result (an http step's: its response body). */
  results: z.record(z.string(), z.unknown()),
  /**
   * What visible steps reported beside their results, by step id: an http step's response
   * `{ status, headers }`. Absent in jobs made before it existed, and when the step reads none.
   */
  steps: z.record(z.string(), z.unknown()).optional(),
  variables: z.record(z.string(), z.unknown()),
  input: z.record(z.string(), z.unknown()),
  execution: z.object({ id: z.string(), workflowId: z.string(), workflowVersion: z.string() }),
  /** Inside a loop body: the innermost loop's iteration, from 0. */
  loop: z.object({ iteration: z.number().int().min(0) }).optional(),
});

export type StepContext = z.infer<typeof StepContextSchema>;
