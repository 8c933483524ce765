import { formatPath, type Problem } from './problem.js';

/** Step types whose `config.context.results` picks the results they are given. */
const CONTEXT_TYPES: ReadonlySet<string> = new Set(['agent-task', 'script']);

/**
 * Every `config.context.results` entry of a script or agent step that names no step of the
 * workflow. Read from the raw input, like the graph's references, so these come with the schema's
 * problems: a misspelt id would otherwise leave the step silently without the result it asked for.
 */
export function contextReferenceProblems(input: unknown): Problem[] {
  const steps = isRecord(input) && Array.isArray(input['steps']) ? (input['steps'] as unknown[]) : [];
  const ids = new Set(steps.flatMap((step) => (isRecord(step) && typeof step['id'] === 'string' ? [step['id']] : [])));
  const problems: Problem[] = [];
  steps.forEach((step, index) => {
    if (!isRecord(step) || !CONTEXT_TYPES.has(String(step['type'])) || !isRecord(step['config'])) return;
    const context = step['config']['context'];
    const listed = isRecord(context) ? context['results'] : undefined;
    if (!Array.isArray(listed)) return;
    listed.forEach((id: unknown, j: number) => {
      if (typeof id === 'string' && !ids.has(id)) {
        problems.push({ path: formatPath(['steps', index, 'config', 'context', 'results', j]), message: `unknown step "${id}"` });
      }
    });
  });
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
