import { z } from 'zod';
import { StepIdSchema } from '../ids.js';
import { expressionResultReads, mergeReads, NO_RESULTS, type ConfigResultReads } from '../result-reads.js';
import { noSecrets } from '../secrets.js';

export const LoopConfigSchema = z.strictObject({
  /** Checked before each iteration; the loop runs while it is truthy. Always true when omitted. */
  condition: z.string().min(1).optional(),
  /** The body: one step, or the root of a chain of steps. */
  loopStep: StepIdSchema,
  /** Hard limit on iterations. */
  maxIterations: z.number().int().min(1).max(100_000).default(100),
  /** Checked after each iteration; the loop ends when it is truthy. */
  breakCondition: z.string().min(1).optional(),
  /** What reaching `maxIterations` means: a LOOP_LIMIT failure (default) or a normal end. */
  onMaxIterations: z.enum(['fail', 'complete']).default('fail'),
});

export type LoopConfig = z.infer<typeof LoopConfigSchema>;

/** Loop expressions run on coordinators, which never hold secrets. */
export const LOOP_SECRETS = noSecrets('loop expressions run on coordinators, which never hold secrets');

/** A loop reads what its condition and break condition read (its body's steps read for themselves). */
export const LOOP_READS: ConfigResultReads<LoopConfig> = (config, root) =>
  mergeReads(...[config.condition, config.breakCondition].map((e) => (e === undefined ? NO_RESULTS : expressionResultReads(e, root))));
