import type { z } from 'zod';
import { formatPath, type Problem } from './problem.js';
import { STEP_TYPES } from './step.js';

/** Turns zod issues into problems with a path and a message a workflow author can act on. */
export function problemsFromZod(error: z.ZodError, basePath: PropertyKey[] = []): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    const path = [...basePath, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: formatPath([...path, key]), message: `unknown field "${key}"` });
      continue;
    }
    problems.push({ path: formatPath(path), message: messageOf(issue, path) });
  }
  return problems;
}

function messageOf(issue: z.core.$ZodIssue, path: PropertyKey[]): string {
  const last = path[path.length - 1];
  if (
    issue.code === 'invalid_union' &&
    last === 'type' &&
    path[path.length - 2] !== 'onError' &&
    'note' in issue &&
    issue.note === 'No matching discriminator'
  ) {
    return `unknown step type (expected one of ${STEP_TYPES.join(', ')})`;
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  // zod reports a missing field as a type mismatch against `undefined`.
  if (issue.code === 'invalid_type' && message.endsWith('received undefined')) return `is required (${issue.expected})`;
  return message;
}
