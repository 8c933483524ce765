import { Script } from 'node:vm';
import { checkFunctionBody } from './function-body.js';
import { splitCompileError } from './stack-trace.js';

/** A syntax error in an expression, positioned in the expression's own lines (1-based). */
export interface ExpressionSyntaxError {
  message: string;
  line?: number;
  column?: number;
}

export const EXPRESSION_FILENAME = 'expression.js';
/**
 * The hook an instrumented expression calls around each decision operand (`instrumentExpression`):
 * a parameter like the scope's names, so nothing is put on the realm's frozen global.
 */
export const UNDEFINED_OPERAND_HOOK = '__afUndefinedOperand';
export const EXPRESSION_PARAMETERS = ['results', 'variables', 'input', 'execution', 'loop', 'steps', UNDEFINED_OPERAND_HOOK] as const;

/**
 * An expression is the operand of `return` in a sloppy function of the scope's names, so that a
 * leading `{` reads as an object literal; the opening line is line 0 (`lineOffset: -1`).
 */
export function wrapExpression(expression: string): string {
  return `(function (${EXPRESSION_PARAMETERS.join(', ')}) { return (\n${expression}\n); })`;
}

/** Throws unless `expression` stays inside its wrapper (see `checkFunctionBody`). */
export function checkExpressionBody(expression: string): void {
  checkFunctionBody('sync', EXPRESSION_PARAMETERS, ` return (\n${expression}\n); `);
}

/**
 * Compiles `expression` without running it: `null` when it is a valid expression. Pure parsing in
 * this process's V8 (`vm.Script` compiles, nothing runs), so a coordinator checks the expressions of
 * a definition without a sandbox and without an isolate that a hostile text could exhaust.
 *
 * @example
 * checkExpression('results.fetch.status === 200'); // null
 * checkExpression('variables.count >'); // { message: 'Unexpected end of input', line: 1, column: 18 }
 */
export function checkExpression(expression: string): ExpressionSyntaxError | null {
  if (expression.trim().length === 0) return { message: 'the expression is empty' };
  try {
    new Script(wrapExpression(expression), { filename: EXPRESSION_FILENAME, lineOffset: -1 });
    checkExpressionBody(expression);
    return null;
  } catch (error) {
    return expressionSyntaxError(error, expression);
  }
}

/**
 * A compile error as isolated-vm reports it (`message [file:line:column]`), or as `vm.Script` does
 * (the position on the first line of its stack, the column under a caret), positioned in `expression`.
 */
export function expressionSyntaxError(error: unknown, expression: string): ExpressionSyntaxError {
  const raw = error instanceof Error ? error.message + (hostPosition(error) ?? '') : String(error);
  const { message, position } = splitCompileError(raw, EXPRESSION_FILENAME, expression);
  return position === undefined ? { message } : { message, ...position };
}

/** ` [expression.js:L:C]` read off a `vm.Script` SyntaxError's stack: `expression.js:L\n<line>\n   ^…`. */
function hostPosition(error: Error): string | undefined {
  const lines = (error.stack ?? '').split('\n');
  const match = new RegExp(`^${EXPRESSION_FILENAME.replace('.', '\\.')}:(-?\\d+)$`).exec(lines[0] ?? '');
  const caret = lines[2]?.indexOf('^') ?? -1;
  if (match === null || caret === -1) return undefined;
  return ` [${EXPRESSION_FILENAME}:${match[1]}:${caret + 1}]`;
}
