import { z } from 'zod';
import { VersionSchema, WorkflowIdSchema } from './ids.js';
import { StepSchema } from './step.js';
import { TriggerSchema } from './trigger.js';

export const WorkflowDefinitionSchema = z.strictObject({
  id: WorkflowIdSchema,
  name: z.string().min(1, 'must not be empty'),
  description: z.string().optional(),
  /** With `id`, identifies an immutable definition. */
  version: VersionSchema,
  steps: z.array(StepSchema).min(1, 'a workflow needs at least one step'),
  /** Defaults, merged under the variables given to `executeWorkflow`. */
  variables: z.record(z.string(), z.unknown()).default({}),
  triggers: z.array(TriggerSchema).default([]),
  /**
   * Tokens (input + output) the execution's agent steps may use in total. An agent step that would
   * cross it fails with AGENT_BUDGET; `executeWorkflow(…, { tokenBudget })` overrides it.
   */
  tokenBudget: z.number().int().min(1).optional(),
});

/** A definition after validation, defaults applied. */
export type WorkflowDefinition = z.infer<typeof WorkflowDefinitionSchema>;
/** A definition as a user writes it: defaults may be left out. */
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinitionSchema>;
