import { stepError, type StepError } from '@agentic-flow/spec';

/** The parts of a zod issue this needs (so the executor does not depend on zod itself). */
export interface ConfigIssue {
  path: readonly PropertyKey[];
  message: string;
}

/**
 * An `INVALID_CONFIG` error whose message names each offending field (`config.timeout: must be
 * positive`), with the same problems as data in `details.issues`.
 */
export function invalidConfig(issues: readonly ConfigIssue[]): StepError {
  const problems = issues.map((issue) => ({ path: fieldPath(issue.path), message: issue.message }));
  const message = `invalid script config: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`;
  return stepError('INVALID_CONFIG', message, { issues: problems });
}

function fieldPath(path: readonly PropertyKey[]): string {
  let text = 'config';
  for (const segment of path) text += typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`;
  return text;
}
