import { z } from 'zod';
import { StepIdSchema } from '../ids.js';
import { expressionResultReads, type ConfigResultReads } from '../result-reads.js';
import { noSecrets } from '../secrets.js';

export const ConditionConfigSchema = z.strictObject({
  /** JavaScript expression over `results`, `variables`, `input` and `execution`. */
  condition: z.string().min(1, 'must not be empty'),
  trueStep: StepIdSchema.optional(),
  falseStep: StepIdSchema.optional(),
});

export type ConditionConfig = z.infer<typeof ConditionConfigSchema>;

/** Conditions run on coordinators, which never hold secrets. */
export const CONDITION_SECRETS = noSecrets('conditions run on coordinators, which never hold secrets');

/** A condition reads what its expression reads. */
export const CONDITION_READS: ConfigResultReads<ConditionConfig> = (config, root) => expressionResultReads(config.condition, root);
