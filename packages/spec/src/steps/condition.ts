import { z } from 'zod';
import { StepIdSchema } from '../ids.js';

export const ConditionConfigSchema = z.strictObject({
  /** JavaScript expression over `results`, `variables`, `input` and `execution`. */
  condition: z.string().min(1, 'must not be empty'),
  trueStep: StepIdSchema.optional(),
  falseStep: StepIdSchema.optional(),
});

export type ConditionConfig = z.infer<typeof ConditionConfigSchema>;
