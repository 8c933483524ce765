import type { EvaluateCommand, ExpressionOutcome } from '@agentic-flow/engine';
import { compileSafeExpression, describeUndefinedOperands, type ProcessExpressionEvaluator, type SafeExpression } from '@agentic-flow/sandbox';
import { stepError } from '@agentic-flow/spec';

export interface ExpressionRunnerOptions {
  /** Time limit of one evaluation in the sandbox. */
  timeoutMs: number;
  /** Distinct expressions whose compiled safe form is kept. Default 10 000. */
  cacheSize?: number;
}

/**
 * Answers the engine's expressions. One in the safe subset (`compileSafeExpression`: property reads,
 * comparisons, arithmetic, logic over the scope's data) is interpreted here, at once and without
 * running code; any other goes to a sandbox process, with a time limit, taking turns with other
 * executions' expressions (the execution id is its fairness key). Either way, an answer that
 * compared or computed with `undefined` read from a property path carries a warning saying what was
 * missing and what was there (`describeUndefinedOperands`, over the scope the expression read).
 */
export class ExpressionRunner {
  private readonly safe = new Map<string, SafeExpression | null>();
  private readonly cacheSize: number;

  constructor(
    private readonly sandbox: ProcessExpressionEvaluator,
    private readonly options: ExpressionRunnerOptions,
  ) {
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  /** The answer when the expression (and this scope) can be answered without the sandbox; else undefined. */
  answerNow(command: EvaluateCommand): ExpressionOutcome | undefined {
    const outcome = this.compiled(command.expression)?.(command.scope);
    return outcome === undefined ? undefined : { ok: true, truthy: outcome.truthy, value: outcome.value, ...warningOf(command, outcome.undefinedOperands) };
  }

  /** The answer from a sandbox process. Rejects only when the sandbox is closing or broken (nothing is recorded then). */
  async evaluate(command: EvaluateCommand, executionId: string): Promise<ExpressionOutcome> {
    const { timeoutMs } = this.options;
    const result = await this.sandbox.evaluate(command.expression, JSON.stringify(command.scope), timeoutMs, executionId);
    if (result.ok) return { ok: true, truthy: result.truthy, value: result.value, ...warningOf(command, result.undefinedOperands) };
    // The engine quotes the expression in the step's error.
    const message = result.error.code === 'TIMEOUT' ? `the expression ran past ${timeoutMs} ms` : result.error.message;
    return { ok: false, error: stepError(result.error.code, message) };
  }

  /** Drops the sandbox evaluations of an execution that settled: nobody waits for their answers. */
  cancel(executionId: string): void {
    this.sandbox.cancel(executionId);
  }

  private compiled(expression: string): SafeExpression | null {
    let compiled = this.safe.get(expression);
    if (compiled === undefined) {
      compiled = compileSafeExpression(expression);
      if (this.safe.size >= this.cacheSize) this.safe.delete(this.safe.keys().next().value!);
      this.safe.set(expression, compiled);
    }
    return compiled;
  }
}

/** `{ warning }` describing the operands found undefined, or nothing. */
function warningOf(command: EvaluateCommand, ids: readonly number[] | undefined): { warning?: string } {
  if (ids === undefined || ids.length === 0) return {};
  const warning = describeUndefinedOperands(command.expression, ids, command.scope as unknown as Record<string, unknown>);
  return warning === undefined ? {} : { warning };
}
