import type { EvaluateCommand, ExpressionOutcome } from '@agentic-flow/engine';
import type { ExpressionEvaluator } from '@agentic-flow/sandbox';
import { stepError } from '@agentic-flow/spec';

/**
 * Evaluates the engine's expressions in the sandbox's isolate pool, with a time limit: an
 * expression that never ends fails its step with TIMEOUT and leaves the coordinator healthy.
 */
export function createExpressionRunner(evaluator: ExpressionEvaluator, timeoutMs: number): (command: EvaluateCommand) => Promise<ExpressionOutcome> {
  return async (command) => {
    const result = await evaluator.evaluate(command.expression, command.scope, timeoutMs);
    if (result.ok) return { ok: true, truthy: result.truthy, value: result.value };
    return { ok: false, error: stepError(result.error.code, result.error.code === 'TIMEOUT' ? `expression ran past ${timeoutMs} ms: ${command.expression}` : result.error.message) };
  };
}
