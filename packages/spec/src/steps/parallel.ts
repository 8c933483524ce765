import { z } from 'zod';
import { StepIdSchema } from '../ids.js';
import { NO_RESULTS, type ConfigResultReads } from '../result-reads.js';
import { noSecrets } from '../secrets.js';

export const ParallelConfigSchema = z.strictObject({
  /** Branch roots. A branch is its root plus the chain the root reaches by `next`. */
  steps: z.array(StepIdSchema),
  /** How many branches run at once; all of them when omitted. */
  maxConcurrency: z.number().int().min(1).optional(),
  /** Cancel the other branches at the first failure (default) or run them all and report every failure. */
  failFast: z.boolean().default(true),
});

export type ParallelConfig = z.infer<typeof ParallelConfigSchema>;

export const PARALLEL_SECRETS = noSecrets('a parallel step sends nothing anywhere');

/** A parallel reads nothing itself: its branches' steps read for themselves. */
export const PARALLEL_READS: ConfigResultReads<ParallelConfig> = () => NO_RESULTS;
