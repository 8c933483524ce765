import { JSON_PROBLEM_REASONS, formatPath, type JsonProblem } from '@agentic-flow/spec';
import { ApiError } from './api-error.js';

/**
 * The 400 for what {@link findJsonProblem} found in part of a request: `INVALID_TEXT` naming the
 * string or key, or `NESTING_TOO_DEEP` naming the first container past the limit. `root` is where
 * the part sits in the request (`['query']`, `['body']`, or `[]` for a definition).
 */
export function jsonProblemError(problem: JsonProblem, root: readonly (string | number)[]): ApiError {
  return textError(
    problem.kind === 'too-deep' ? 'NESTING_TOO_DEEP' : 'INVALID_TEXT',
    formatPath([...root, ...problem.path]),
    JSON_PROBLEM_REASONS[problem.kind],
  );
}

/** A 400 with one problem: `<path> <reason>` as the message, and the problem itself. */
export function textError(code: 'INVALID_TEXT' | 'NESTING_TOO_DEEP', path: string, reason: string): ApiError {
  return new ApiError(code, `${path} ${reason}`, [{ path, message: reason }]);
}
