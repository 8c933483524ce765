import type { StepContext } from '../step-executor.js';
import { truncateText } from './text-limits.js';

/** The step's `config.context`: which results and variables the agent sees (all when a list is omitted). */
export interface ContextFilter {
  results?: readonly string[] | undefined;
  variables?: readonly string[] | undefined;
}

/**
 * The step's context as the agent may see it: `results` and `variables` narrowed to the names the
 * step lists. The same view goes into the prompt and into the script tool's scope, so a step that
 * hides a result from its agent hides it from the agent's scripts too.
 */
export function selectContext(context: StepContext, filter: ContextFilter | undefined): StepContext {
  return {
    ...context,
    results: pick(context.results, filter?.results),
    variables: pick(context.variables, filter?.variables),
  };
}

/**
 * A labelled JSON block for a prompt, cut at `maxChars` with a note that says so: a model told the
 * data is truncated does not mistake the cut for the end of the data.
 */
export function jsonBlock(label: string, value: unknown, maxChars: number): string {
  const json = JSON.stringify(value) ?? 'null';
  if (json.length <= maxChars) return `${label}:\n${json}`;
  return `${label} (truncated to ${maxChars} of ${json.length} characters; it is not valid JSON past the cut):\n${truncateText(json, maxChars)}`;
}

function pick(values: Record<string, unknown>, names: readonly string[] | undefined): Record<string, unknown> {
  if (names === undefined) return values;
  const picked: Record<string, unknown> = {};
  for (const name of names) if (Object.hasOwn(values, name)) picked[name] = values[name];
  return picked;
}
