import { z } from 'zod';
import { DurationMsSchema } from '../ids.js';
import { mergeReads, scriptNamedReads, scriptResultReads, templateResultReads, type ConfigResultReads, type ResultReads } from '../result-reads.js';
import { ContextResultsSchema } from './context-results.js';
import { SecretNameSchema, noSecrets } from '../secrets.js';
import type { WorkJobContents } from '../work-job-contents.js';

export const ScriptConfigSchema = z.strictObject({
  /** The body of an async function: `return` gives the output; top-level `await` works. */
  script: z.string().min(1, 'must not be empty'),
  language: z.literal('javascript').default('javascript'),
  timeout: DurationMsSchema.default(30_000),
  /** Heap limit of the isolate, in MiB. */
  memoryLimit: z.number().int().min(8).max(4096).default(128),
  /** Modules the script may `require`, from the operator's allowlist. */
  allowedModules: z.array(z.string().min(1)).default([]),
  /**
   * Secrets the script reads, by name: it sees them as the frozen object `secrets` (`secrets.TOKEN`),
   * and nothing else of the worker's secrets. Never a template: a script's text holds no secret.
   */
  secrets: z
    .array(SecretNameSchema)
    .max(100)
    .refine((names) => new Set(names).size === names.length, 'must not name a secret twice')
    .optional(),
  /**
   * Results the script is given besides those its code names (`results.x` always works): for code
   * that reads `results` dynamically (`Object.keys(results)`, `results[name]`), which otherwise is
   * given every visible result. Omitted: what the code reads, as far as it can be told.
   */
  context: z.strictObject({ results: ContextResultsSchema.optional() }).optional(),
});

export type ScriptConfig = z.infer<typeof ScriptConfigSchema>;

/** A script names the secrets it needs in `secrets` and reads them as values: its text never holds one. */
export const SCRIPT_SECRETS = noSecrets(
  'a script reads secrets as values, not templates: list the names in the step\'s "secrets" (e.g. secrets: ["TOKEN"]) and use secrets.TOKEN in the code',
);

/** A script reads `results`, `variables`, `input`… at run time: its job carries the step's scope. */
export const SCRIPT_JOB_CONTENTS: WorkJobContents = { scope: true, tokenBudget: false };

/**
 * A script reads what its code reads, and what its config's templates do; with `context.results`,
 * the listed steps stand in for the code's dynamic reads, and the steps its code names still count.
 */
export const SCRIPT_READS: ConfigResultReads<ScriptConfig> = (config, root) => {
  const listed = root === 'results' ? config.context?.results : undefined;
  const code: ResultReads =
    listed === undefined ? scriptResultReads(config.script, root) : { all: false, steps: new Set([...listed, ...scriptNamedReads(config.script, root)]) };
  return mergeReads(code, templateResultReads(config, root));
};
