import { z } from 'zod';
import { DurationMsSchema } from '../ids.js';

export const ScriptConfigSchema = z.strictObject({
  /** The body of an async function: `return` gives the output; top-level `await` works. */
  script: z.string().min(1, 'must not be empty'),
  language: z.literal('javascript').default('javascript'),
  timeout: DurationMsSchema.default(30_000),
  /** Heap limit of the isolate, in MiB. */
  memoryLimit: z.number().int().min(8).max(4096).default(128),
  /** Modules the script may `require`, from the operator's allowlist. */
  allowedModules: z.array(z.string().min(1)).default([]),
});

export type ScriptConfig = z.infer<typeof ScriptConfigSchema>;
