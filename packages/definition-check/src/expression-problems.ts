import { checkExpression } from '@agentic-flow/sandbox/syntax';
import { formatPath, type Problem } from '@agentic-flow/spec';
import { rawSteps } from './raw-steps.js';

// A Map, not an object literal: the type comes from the raw input, and a step of type
// "__proto__" or "constructor" must find nothing here, not Object.prototype (found by api-fuzz).
const EXPRESSION_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['condition', ['condition']],
  ['loop', ['condition', 'breakCondition']],
]);

/**
 * Every condition and loop expression of a (raw) definition, compiled as the sandbox will compile
 * it (`checkExpression`) — not run: a syntax error is refused when the definition is registered,
 * with the step's path, rather than failing its step mid-run.
 */
export function expressionProblems(input: unknown): Problem[] {
  const problems: Problem[] = [];
  rawSteps(input).forEach((step: unknown, index) => {
    const { type, config } = (step ?? {}) as { type?: unknown; config?: Record<string, unknown> };
    for (const field of EXPRESSION_FIELDS.get(String(type)) ?? []) {
      const expression = config?.[field];
      if (typeof expression !== 'string' || expression === '') continue;
      const error = checkExpression(expression);
      if (error) problems.push({ path: formatPath(['steps', index, 'config', field]), message: `invalid expression: ${error.message}` });
    }
  });
  return problems;
}
