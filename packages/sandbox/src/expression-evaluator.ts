import type ivm from 'isolated-vm';
import { SandboxClosedError, type ExpressionError } from './errors.js';
import { IsolatePool, type IsolatePoolStats } from './isolate-pool.js';
import type { PooledIsolate } from './pooled-isolate.js';
import { splitCompileError } from './stack-trace.js';

/** What an expression can read. Plain JSON; each evaluation gets its own copy. */
export interface ExpressionScope {
  results?: Record<string, unknown>;
  variables?: Record<string, unknown>;
  input?: Record<string, unknown>;
  execution?: Record<string, unknown>;
  /** Inside a loop: `{ iteration }` and whatever the coordinator adds. */
  loop?: Record<string, unknown>;
}

/** `value` is JSON-safe; `truthy` is JavaScript's truthiness of the value before it became JSON. */
export type ExpressionResult = { ok: true; value: unknown; truthy: boolean } | { ok: false; error: ExpressionError };

/** A syntax error in an expression, positioned in the expression's own lines (1-based). */
export interface ExpressionSyntaxError {
  message: string;
  line?: number;
  column?: number;
}

/** Options of {@link ExpressionEvaluator}. */
export interface ExpressionEvaluatorOptions {
  /** Idle isolates kept; concurrent evaluations beyond it use short-lived extra isolates. Default 2. */
  poolSize?: number;
  /** Heap limit per isolate, in MiB. Default 32. */
  memoryLimitMb?: number;
  /** Compiled expressions cached per isolate. Default 256. */
  maxCachedExpressions?: number;
}

const FILENAME = 'expression.js';
const PARAMS = 'results, variables, input, execution, loop';
/**
 * Line 0 of every compiled expression (compiled with `lineOffset: -1`, so the expression's lines keep
 * their numbers). It reads the scope, calls the expression, and encodes the outcome as one string, a
 * primitive that leaves the isolate without a copy step: `T`/`F` (truthiness) + JSON, or `E` + message.
 * The globals it needs are captured before the expression runs, which could replace them, and all of
 * it sits in one `try`: whatever the expression does, only the isolate itself failing (timeout,
 * memory) reaches the host as an exception.
 */
const PREFIX =
  '(function (f) { const stringify = JSON.stringify, P = Promise, E = Error; ' +
  "const describe = (e) => { try { return e instanceof E ? e.name + ': ' + e.message : String(e); } catch (_) { return 'the expression threw'; } }; " +
  'const scope = JSON.parse(globalThis.__afScope); delete globalThis.__afScope; ' +
  'try { const v = f(scope.results, scope.variables, scope.input, scope.execution, scope.loop); ' +
  "if (v instanceof P) return 'Ethe expression returned a Promise: conditions are synchronous'; " +
  "let j; try { j = stringify(v === undefined ? null : v); } catch (e) { return 'Ethe value is not JSON-serializable (' + describe(e) + ')'; } " +
  "if (j === undefined) return 'Ethe value is not JSON-serializable (a ' + typeof v + ')'; " +
  "return (v ? 'T' : 'F') + j; } catch (e) { return 'E' + describe(e); } " +
  `})(function (${PARAMS}) { return (`;

function wrap(expression: string): string {
  return `${PREFIX}\n${expression}\n); });`;
}

/**
 * Evaluates the JavaScript expressions of `condition`, `loop.condition` and `breakCondition` in
 * isolated-vm, over a small pool of reused isolates with a fresh context per evaluation.
 *
 * `evaluate` is asynchronous: the expression runs on isolated-vm's thread, so a slow expression holds
 * its caller (and its transaction) but not the coordinator's event loop, and several evaluations can
 * run at once. `check` is synchronous: it only compiles.
 *
 * @example
 * ```ts
 * const evaluator = new ExpressionEvaluator();
 * evaluator.check('results.fetch.status === 200'); // null
 * await evaluator.evaluate('variables.count < 3', { variables: { count: 1 } }, 50);
 * // { ok: true, value: true, truthy: true }
 * evaluator.close();
 * ```
 */
export class ExpressionEvaluator {
  private readonly pool: IsolatePool;
  private readonly memoryLimitMb: number;
  private closed = false;

  constructor(options: ExpressionEvaluatorOptions = {}) {
    this.memoryLimitMb = options.memoryLimitMb ?? 32;
    this.pool = new IsolatePool({
      name: 'expression evaluator',
      maxIdlePerLimit: options.poolSize ?? 2,
      // Expressions run in throwaway contexts and are small; retiring rarely is enough.
      maxRunsPerIsolate: 10_000,
      maxCachedScripts: options.maxCachedExpressions ?? 256,
    });
  }

  /** Compiles `expression` without running it: `null` when it is a valid expression. */
  check(expression: string): ExpressionSyntaxError | null {
    if (expression.trim().length === 0) return { message: 'the expression is empty' };
    const lease = this.pool.acquireNow(this.memoryLimitMb);
    try {
      lease.scriptSync(expression, wrap(expression), { filename: FILENAME, lineOffset: -1 });
      return null;
    } catch (error) {
      return syntaxError(error, expression);
    } finally {
      this.pool.release(lease, true);
    }
  }

  /**
   * Evaluates `expression` over `scope`. A thrown error, a syntax error or a value that is not JSON is
   * `EXPRESSION_ERROR`; running past `timeoutMs` is `TIMEOUT`, after which the isolate is reused (V8
   * terminated the expression cleanly and its context is thrown away).
   */
  async evaluate(expression: string, scope: ExpressionScope, timeoutMs = 1000): Promise<ExpressionResult> {
    if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    if (expression.trim().length === 0) return failure('EXPRESSION_ERROR', 'the expression is empty');
    const lease = await this.pool.acquire(this.memoryLimitMb);
    let healthy = true;
    try {
      let script: ivm.Script;
      try {
        script = await lease.script(expression, wrap(expression), { filename: FILENAME, lineOffset: -1 });
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        const { message, line, column } = syntaxError(error, expression);
        return failure('EXPRESSION_ERROR', line === undefined ? message : `${message} (line ${line}, column ${column})`);
      }
      return await this.run(lease, script, scope, timeoutMs);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message === 'Script execution timed out.') return failure('TIMEOUT', `expression exceeded its ${timeoutMs} ms timeout`);
      healthy = false;
      // Closing mid-evaluation says nothing about the expression: throw, so that no failure is recorded.
      if (this.closed) throw new SandboxClosedError('expression evaluator');
      if (lease.disposed && /memory limit/i.test(message)) {
        return failure('EXPRESSION_ERROR', `expression exceeded the ${this.memoryLimitMb} MiB memory limit`);
      }
      // Anything else is the sandbox failing, not the expression: the caller should retry.
      throw error;
    } finally {
      this.pool.release(lease, healthy);
    }
  }

  /** Pool counters, for tests and metrics. */
  stats(): IsolatePoolStats {
    return this.pool.stats();
  }

  /** Disposes the isolates; evaluations still running reject with `SandboxClosedError`. */
  close(): void {
    this.closed = true;
    this.pool.close();
  }

  private async run(lease: PooledIsolate, script: ivm.Script, scope: ExpressionScope, timeoutMs: number): Promise<ExpressionResult> {
    const context = await lease.context();
    try {
      // A string is a primitive: it crosses into the isolate without an ExternalCopy.
      context.global.setSync('__afScope', JSON.stringify(scope));
      const outcome: unknown = await script.run(context, { timeout: timeoutMs });
      if (typeof outcome !== 'string' || outcome.length === 0) return failure('EXPRESSION_ERROR', 'the expression tampered with the evaluator');
      const tag = outcome[0];
      if (tag === 'E') return failure('EXPRESSION_ERROR', outcome.slice(1));
      return { ok: true, value: JSON.parse(outcome.slice(1)), truthy: tag === 'T' };
    } finally {
      if (!lease.disposed) context.release();
    }
  }
}

function failure(code: ExpressionError['code'], message: string): ExpressionResult {
  return { ok: false, error: { code, message } };
}

function syntaxError(error: unknown, expression: string): ExpressionSyntaxError {
  const raw = error instanceof Error ? error.message : String(error);
  const { message, position } = splitCompileError(raw, FILENAME, expression);
  return position === undefined ? { message } : { message, ...position };
}
