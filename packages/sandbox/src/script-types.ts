import type { SandboxError } from './errors.js';
import type { ScriptFact } from './script-bootstrap.js';

/**
 * The data a script sees as globals. Plain JSON: each run gets its own deep copy. The run's facts
 * (`startTime`, `executionId`, …, and `idempotencyKey` — the Idempotency-Key of the step attempt
 * or of the agent's tool call the script runs for: `SCRIPT_FACTS`) are fields of their own; a fact
 * left out is `undefined` in the script.
 */
export interface ScriptGlobals extends Partial<Record<ScriptFact, string | number>> {
  results: Record<string, unknown>;
  /** What steps reported beside their results (an http step's `{ status, headers }`), by step id; `{}` when absent. */
  steps?: Record<string, unknown>;
  variables: Record<string, unknown>;
  input: Record<string, unknown>;
  execution: Record<string, unknown>;
  /** Inside a loop body: `{ iteration }`; absent (and `undefined` in the script) elsewhere. */
  loop?: Record<string, unknown>;
  /** The secrets the step lists, by name; the script sees them frozen as `secrets` (`{}` when absent). */
  secrets?: Record<string, string>;
}

/** One script run. */
export interface ScriptRunInput extends ScriptRunOptions {
  globals: ScriptGlobals;
}

/** A script run whose globals are already JSON text (what a sandbox process receives). */
export interface RawScriptRunInput extends ScriptRunOptions {
  globalsJson: string;
}

/** What a run needs besides its globals. */
export interface ScriptRunOptions {
  /** The body of an async function: `return` gives the output, top-level `await` works. */
  code: string;
  /** Wall-clock budget for the script, from its first statement to its settled promise. */
  timeoutMs: number;
  /** Heap limit of the isolate, in MiB (at least 8). */
  memoryLimitMb: number;
  /** Modules the step asks for; each must be in the sandbox's {@link ModuleRegistry}. */
  modules?: readonly string[];
  /** Aborting stops the script (its isolate is disposed) and the run ends with `CANCELLED`. */
  signal?: AbortSignal;
}

export type ScriptLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A captured `console.*` call. `console.log` is `info`, `console.trace` is `debug`. */
export interface ScriptLogEntry {
  level: ScriptLogLevel;
  message: string;
  /** Epoch milliseconds, taken inside the isolate when the script logged. */
  at: number;
}

/**
 * The outcome of a run. Failures are values, not exceptions; `run()` throws only when the sandbox is
 * misused (closed, nonsensical limits, globals that are not JSON).
 */
export type ScriptRunResult =
  | { ok: true; value: unknown; variableUpdates: Record<string, unknown>; logs: ScriptLogEntry[] }
  | { ok: false; error: SandboxError; logs: ScriptLogEntry[] };

/**
 * A run's outcome before its output is parsed: the output and each variable update as JSON text.
 * A sandbox process sends this back, and its parent checks sizes and nesting before parsing (see
 * `finishRun`), so no value too deep to serialize again is ever built on the worker's side.
 */
export type RawScriptRunResult =
  | { ok: true; outputJson: string; variableJson: Array<[name: string, json: string]>; logs: ScriptLogEntry[] }
  | { ok: false; error: SandboxError; logs: ScriptLogEntry[] };

/** Runs scripts: in this process (`ScriptSandbox`) or in a pool of sandbox processes (`ProcessScriptSandbox`). */
export interface ScriptRunner {
  /** Never rejects for the script's own failures (nor for a crash of the process it ran in). */
  run(input: ScriptRunInput): Promise<ScriptRunResult>;
  close(): Promise<void>;
}
