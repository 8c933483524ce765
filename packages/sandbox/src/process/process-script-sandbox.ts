import { ModuleRegistry } from '../module-registry.js';
import { finishRun, type OutputLimits } from '../script-output.js';
import type { ScriptRunInput, ScriptRunResult, ScriptRunner } from '../script-types.js';
import { unansweredError } from './crash-message.js';
import { SandboxProcessPool, type SandboxProcessPoolStats } from './process-pool.js';

/** Options of {@link ProcessScriptSandbox}. */
export interface ProcessScriptSandboxOptions extends Partial<OutputLimits> {
  /** Sandbox processes, and so scripts running at once. Default 4. */
  processes?: number;
  /** Operator modules (name → CommonJS source), beside the built-in lodash. */
  modules?: Record<string, string>;
  /** `console.*` calls kept per run. Default 1000. */
  maxLogEntries?: number;
  /** Longest kept log message, in characters. Default 8192. */
  maxLogMessageLength?: number;
  /** Heap limit the processes warm their first isolate with (the usual script limit). Default 128. */
  warmMemoryLimitMb?: number;
  /** The host entry point (tests); default the built one. */
  entry?: string;
}

/** Past its own timeout, a run gets this long to be answered before its process is killed. */
const ANSWER_GRACE_MS = 2000;

/**
 * Runs scripts like `ScriptSandbox`, each in a sandbox process of a pool: a script that makes V8
 * abort (isolated-vm cannot stop every out-of-memory pattern) kills only its process, and its run
 * fails with `SANDBOX_CRASHED` while this process serves on. Cancelling (`input.signal`) stops the
 * run within about a second, killing its process if it does not stop by itself.
 *
 * @example
 * ```ts
 * const sandbox = new ProcessScriptSandbox({ processes: 4 });
 * const result = await sandbox.run({ code: 'return input.a + 1', timeoutMs: 1000, memoryLimitMb: 64, globals: { results: {}, variables: {}, input: { a: 1 }, execution: {} } });
 * // { ok: true, value: 2, variableUpdates: {}, logs: [] }
 * await sandbox.close();
 * ```
 */
export class ProcessScriptSandbox implements ScriptRunner {
  private readonly pool: SandboxProcessPool;
  private readonly limits: OutputLimits;

  constructor(options: ProcessScriptSandboxOptions = {}) {
    const modules = options.modules ?? {};
    // Refuses a module that does not parse here, at startup, rather than in every process.
    new ModuleRegistry({ modules });
    this.limits = { maxOutputBytes: options.maxOutputBytes ?? 1024 * 1024, maxOutputDepth: options.maxOutputDepth ?? 200 };
    this.pool = new SandboxProcessPool({
      size: options.processes ?? 4,
      setup: {
        modules,
        warmMemoryLimitMb: options.warmMemoryLimitMb ?? 128,
        expressionMemoryLimitMb: 32,
        ...(options.maxLogEntries === undefined ? {} : { maxLogEntries: options.maxLogEntries }),
        ...(options.maxLogMessageLength === undefined ? {} : { maxLogMessageLength: options.maxLogMessageLength }),
      },
      // A process runs a script inside one blocking call and cannot hear a cancellation: it is killed instead.
      cancelGraceMs: 250,
      ...(options.entry === undefined ? {} : { entry: options.entry }),
    });
  }

  async run(input: ScriptRunInput): Promise<ScriptRunResult> {
    if (!(input.timeoutMs > 0) || !(input.memoryLimitMb >= 8)) throw new RangeError('timeoutMs must be positive and memoryLimitMb at least 8');
    const outcome = await this.pool.submit(
      {
        type: 'script',
        input: {
          code: input.code,
          timeoutMs: input.timeoutMs,
          memoryLimitMb: input.memoryLimitMb,
          globalsJson: JSON.stringify(input.globals),
          ...(input.modules ? { modules: input.modules } : {}),
        },
      },
      { deadlineMs: Math.min(input.timeoutMs, 2_147_483_647 - ANSWER_GRACE_MS) + ANSWER_GRACE_MS, ...(input.signal ? { signal: input.signal } : {}) },
    );
    if (outcome.type !== 'reply') return { ok: false, error: unansweredError(outcome, 'script', input.timeoutMs), logs: [] };
    if (outcome.reply.type === 'script') return finishRun(outcome.reply.result, this.limits);
    // The sandbox itself failed (a bug, not the script): the caller reports it as such.
    throw new Error(outcome.reply.type === 'failed' ? `the script sandbox failed: ${outcome.reply.message}` : 'the sandbox process answered out of turn');
  }

  /** Resolves once its processes are warm (see `SandboxProcessPool.warm`). */
  warm(): Promise<void> {
    return this.pool.warm();
  }

  stats(): SandboxProcessPoolStats {
    return this.pool.stats();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
