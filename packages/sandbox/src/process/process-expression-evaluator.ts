import { EvaluationCancelledError, SandboxClosedError } from '../errors.js';
import { finishExpression, type ExpressionResult } from '../expression-evaluator.js';
import { checkExpression, type ExpressionSyntaxError } from '../expression-syntax.js';
import { unansweredError } from './crash-message.js';
import { SandboxProcessPool, type SandboxProcessPoolStats } from './process-pool.js';

/** Options of {@link ProcessExpressionEvaluator}. */
export interface ProcessExpressionEvaluatorOptions {
  /** Processes kept warm. Default 2. */
  processes?: number;
  /** While every process is busy with slow expressions, up to this many run. Default 4. */
  maxProcesses?: number;
  /** Heap limit of each expression isolate, MiB. Default 32. */
  memoryLimitMb?: number;
  /** The host entry point (tests); default the built one. */
  entry?: string;
}

const ANSWER_GRACE_MS = 1000;

/**
 * Evaluates condition and loop expressions like `ExpressionEvaluator`, in a pool of sandbox
 * processes: an expression that makes V8 abort fails with `SANDBOX_CRASHED` instead of taking the
 * coordinator down. Evaluations with the same `key` (an execution) run one at a time, and other keys
 * take turns with them, so one execution full of slow expressions delays only itself.
 */
export class ProcessExpressionEvaluator {
  private readonly pool: SandboxProcessPool;
  private closed = false;

  constructor(options: ProcessExpressionEvaluatorOptions = {}) {
    const memoryLimitMb = options.memoryLimitMb ?? 32;
    this.pool = new SandboxProcessPool({
      size: options.processes ?? 2,
      maxSize: options.maxProcesses ?? 4,
      maxInFlightPerKey: 1,
      setup: { modules: {}, warmMemoryLimitMb: 8, expressionMemoryLimitMb: memoryLimitMb },
      ...(options.entry === undefined ? {} : { entry: options.entry }),
    });
  }

  /** Compiles `expression` without running it (here, not in a process): `null` when it is valid. */
  check(expression: string): ExpressionSyntaxError | null {
    return checkExpression(expression);
  }

  /** Evaluates `expression` over the scope given as JSON text; `key` groups evaluations for fairness. */
  async evaluate(expression: string, scopeJson: string, timeoutMs: number, key?: string): Promise<ExpressionResult> {
    if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    const outcome = await this.pool.submit(
      { type: 'expression', expression, scopeJson, timeoutMs },
      { deadlineMs: timeoutMs + ANSWER_GRACE_MS, ...(key === undefined ? {} : { key }) },
    );
    if (outcome.type !== 'reply') {
      // Closing, or `cancel` of a settled execution: that says nothing about the expression, so nothing is recorded.
      if (outcome.type === 'cancelled') throw this.closed ? new SandboxClosedError('expression evaluator') : new EvaluationCancelledError();
      const { code, message } = unansweredError(outcome, 'expression', timeoutMs);
      return { ok: false, error: { code: code === 'TIMEOUT' ? 'TIMEOUT' : 'SANDBOX_CRASHED', message } };
    }
    if (outcome.reply.type === 'expression') return finishExpression(outcome.reply.result);
    throw new Error(outcome.reply.type === 'failed' ? `the expression sandbox failed: ${outcome.reply.message}` : 'the sandbox process answered out of turn');
  }

  /** Drops the evaluations of `key` (an execution that settled): queued ones never run, running ones stop. */
  cancel(key: string): void {
    this.pool.cancelKey(key);
  }

  /** Resolves once its processes are warm (see `SandboxProcessPool.warm`). */
  warm(): Promise<void> {
    return this.pool.warm();
  }

  stats(): SandboxProcessPoolStats {
    return this.pool.stats();
  }

  close(): Promise<void> {
    this.closed = true;
    return this.pool.close();
  }
}
