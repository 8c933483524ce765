import { randomFillSync } from 'node:crypto';
import ivm from 'isolated-vm';
import { SandboxClosedError, type SandboxError } from './errors.js';
import { IsolatePool, type IsolatePoolOptions } from './isolate-pool.js';
import { ModuleRegistry } from './module-registry.js';
import type { PooledIsolate } from './pooled-isolate.js';
import { checkFunctionBody } from './function-body.js';
import { Realm, randomSeeds, type RealmSpec } from './realm.js';
import {
  BOOTSTRAP_FILENAME,
  SCRIPT_BOOTSTRAP,
  SCRIPT_FILENAME,
  SCRIPT_PARAMETERS,
  moduleFilename,
  wrapModule,
  wrapUserCode,
  type BootstrapSetup,
} from './script-bootstrap.js';
import { settleEnvelope } from './script-envelope.js';
import { finishRun } from './script-output.js';
import type { RawScriptRunInput, RawScriptRunResult, ScriptLogEntry, ScriptLogLevel, ScriptRunInput, ScriptRunResult, ScriptRunner } from './script-types.js';
import { splitCompileError } from './stack-trace.js';

/** Options of {@link ScriptSandbox}. */
export interface ScriptSandboxOptions extends Omit<IsolatePoolOptions, 'name'> {
  /** The operator's module allowlist. Default: a registry with the built-ins plus `modules`. */
  registry?: ModuleRegistry;
  /** Extra modules (name → CommonJS source) when no `registry` is given. */
  modules?: Record<string, string>;
  /** Largest output (return value plus variable updates) as UTF-8 JSON. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Deepest nesting of arrays and objects in the output and in each variable update. Default 200. */
  maxOutputDepth?: number;
  /** `console.*` calls kept per run; later ones are counted and dropped. Default 1000. */
  maxLogEntries?: number;
  /** Longest kept log message, in characters. Default 8192. */
  maxLogMessageLength?: number;
  /**
   * Run each script inside one synchronous call on the calling thread instead of on isolated-vm's:
   * for a sandbox process, which runs one script at a time and so saves two thread hops per run
   * (~0.07 ms). The call's microtask checkpoint settles every promise that can settle (an isolate
   * has no timers or I/O), so a promise still pending afterwards never settles: TIMEOUT at once.
   * While a script runs, the thread cannot hear a cancellation: its owner stops it by killing the
   * process. Default false.
   */
  blocking?: boolean;
}

type Ending = 'timeout' | 'cancelled' | 'closed' | 'memory';

const LEVELS = new Set<string>(['debug', 'info', 'warn', 'error']);
/** setTimeout fires at once beyond this; a longer budget is as good as this one. */
const MAX_TIMER_MS = 2_147_483_647;
const REALM: RealmSpec = { source: SCRIPT_BOOTSTRAP, filename: BOOTSTRAP_FILENAME, members: ['run', 'start', 'take', 'defineModule'] };

/**
 * Runs untrusted JavaScript in isolated-vm, on pooled isolates that run on isolated-vm's threads, so
 * several runs proceed at once.
 *
 * Isolation between runs: each isolate has one long-lived realm (a context) whose built-ins and global
 * object are frozen once, SES-style (see `Realm` and `lockdown-source.ts`). A script is compiled once
 * per isolate as a strict async function of `results, variables, input, execution, loop, console,
 * setVariable, require` and called once per run with that run's own deep copies and functions. A run
 * can thus neither leave a global, a changed built-in or a match in `RegExp.lastMatch` behind, nor
 * reach another run's objects; an isolate whose run timed out, ran out of memory or was cancelled is
 * disposed with its realm. This costs ~0.1 ms of CPU per run, where a fresh context per run cost ~0.7.
 *
 * @example
 * ```ts
 * const sandbox = new ScriptSandbox();
 * const result = await sandbox.run({
 *   code: 'const _ = require("lodash");\nsetVariable("n", 1);\nreturn _.sum(input.values);',
 *   timeoutMs: 1000, memoryLimitMb: 64, modules: ['lodash'],
 *   globals: { results: {}, variables: {}, input: { values: [1, 2] }, execution: {} },
 * });
 * // result: { ok: true, value: 3, variableUpdates: { n: 1 }, logs: [] }
 * await sandbox.close();
 * ```
 */
export class ScriptSandbox implements ScriptRunner {
  readonly registry: ModuleRegistry;
  private readonly pool: IsolatePool;
  private readonly maxOutputBytes: number;
  private readonly maxOutputDepth: number;
  private readonly maxLogEntries: number;
  private readonly maxLogLength: number;
  private readonly blocking: boolean;
  /** V8 code caches of module sources, shared by isolates: compiling lodash drops from ~3 ms to ~0.1 ms. */
  private readonly codeCache = new Map<string, ivm.ExternalCopy<ArrayBuffer>>();
  private readonly inFlight = new Map<Promise<RawScriptRunResult>, (why: Ending) => void>();
  /** Logs of the runs in progress, by run id: a realm's log callback writes only into its run's. */
  private readonly sinks = new Map<number, ScriptLogEntry[]>();
  private lastRunId = 0;
  private closed = false;

  constructor(options: ScriptSandboxOptions = {}) {
    this.registry = options.registry ?? new ModuleRegistry(options.modules === undefined ? {} : { modules: options.modules });
    this.pool = new IsolatePool({ ...options, name: 'script sandbox' });
    this.maxOutputBytes = options.maxOutputBytes ?? 1024 * 1024;
    this.maxOutputDepth = options.maxOutputDepth ?? 200;
    this.maxLogEntries = options.maxLogEntries ?? 1000;
    this.maxLogLength = options.maxLogMessageLength ?? 8192;
    this.blocking = options.blocking ?? false;
  }

  /** Runs one script. Never rejects for the script's own failures: see {@link ScriptRunResult}. */
  async run(input: ScriptRunInput): Promise<ScriptRunResult> {
    const { globals, ...rest } = input;
    const raw = await this.runRaw({ ...rest, globalsJson: JSON.stringify(globals) });
    return finishRun(raw, { maxOutputBytes: this.maxOutputBytes, maxOutputDepth: this.maxOutputDepth });
  }

  /** {@link run} with the globals as JSON text and the output left as JSON text (for a sandbox process). */
  runRaw(input: RawScriptRunInput): Promise<RawScriptRunResult> {
    if (this.closed) return Promise.reject(new SandboxClosedError('script sandbox'));
    if (!(input.timeoutMs > 0) || !(input.memoryLimitMb >= 8)) {
      return Promise.reject(new RangeError('timeoutMs must be positive and memoryLimitMb at least 8'));
    }
    let end: (why: Ending) => void = () => undefined;
    const promise = this.execute(input, (fn) => (end = fn)).finally(() => this.inFlight.delete(promise));
    this.inFlight.set(promise, (why) => end(why));
    return promise;
  }

  /** Pool counters, for tests and metrics. */
  stats(): ReturnType<IsolatePool['stats']> {
    return this.pool.stats();
  }

  /** Stops running scripts (they end `CANCELLED`), waits for them, and disposes every isolate. */
  async close(): Promise<void> {
    this.closed = true;
    for (const end of this.inFlight.values()) end('closed');
    // Before waiting: runs queued for an isolate must fail now, not start on a freed one.
    this.pool.close();
    await Promise.allSettled(this.inFlight.keys());
    for (const copy of this.codeCache.values()) copy.release();
    this.codeCache.clear();
  }

  private async execute(input: RawScriptRunInput, onEnd: (end: (why: Ending) => void) => void): Promise<RawScriptRunResult> {
    const logs: ScriptLogEntry[] = [];
    const modules = [...new Set(input.modules ?? [])];
    const unknown = modules.filter((name) => !this.registry.has(name));
    if (unknown.length > 0) {
      const message = `${unknown.map((n) => `"${n}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the operator's module registry (registered: ${this.registry.names().join(', ')})`;
      return fail({ code: 'MODULE_NOT_ALLOWED', message, details: { modules: unknown, registered: this.registry.names() } }, logs);
    }
    const globals = input.globalsJson;
    const cancelled = fail({ code: 'CANCELLED', message: 'the script was cancelled before it started' }, logs);
    if (input.signal?.aborted === true) return cancelled;
    let lease: PooledIsolate;
    try {
      lease = await this.pool.acquire(input.memoryLimitMb, input.signal);
    } catch (error) {
      // Aborted or closed while waiting for an isolate: the script never started.
      if (error instanceof SandboxClosedError || input.signal?.reason === error) return cancelled;
      throw error;
    }
    let ending: Ending | undefined;
    const end = (why: Ending): void => {
      if (ending !== undefined) return;
      ending = why;
      // Disposing is the only way to stop an isolate from outside; its pending work rejects at once.
      lease.dispose();
    };
    onEnd(end);
    const onAbort = (): void => end('cancelled');
    input.signal?.addEventListener('abort', onAbort, { once: true });
    // The signal may have fired between getting the isolate and adding the listener.
    if (isAborted(input.signal)) end('cancelled');
    let timer: NodeJS.Timeout | undefined;
    const id = ++this.lastRunId;
    this.sinks.set(id, logs);
    try {
      const realm = lease.realmOr(() => this.openRealm(lease));
      let fn: ivm.Reference<unknown>;
      try {
        const check = (): void => checkFunctionBody('async', SCRIPT_PARAMETERS, ` 'use strict';\n${input.code}\n`);
        const origin = { filename: SCRIPT_FILENAME, lineOffset: -1 };
        fn = this.blocking
          ? realm.compileSync(`user:${input.code}`, wrapUserCode(input.code), origin, check)
          : await realm.compile(`user:${input.code}`, wrapUserCode(input.code), origin, check);
      } catch (error) {
        if (ending !== undefined || !(error instanceof SyntaxError)) throw error;
        return fail(compileFailure(error, input.code), logs);
      }
      await this.defineModules(lease, realm, modules);
      const timeoutMs = Math.min(input.timeoutMs, MAX_TIMER_MS);
      const args = [fn.derefInto(), id, globals, modules.length === 0 ? '' : JSON.stringify(modules), ...randomSeeds()];
      if (this.blocking) {
        realm.member('start').applySync(undefined, args, { timeout: timeoutMs });
        const envelope: unknown = realm.member('take').applySync(undefined, [], { result: { copy: true } });
        if (envelope === undefined)
          return fail({ code: 'TIMEOUT', message: 'the script awaits something that can never happen (its promise cannot settle)' }, logs);
        return settleEnvelope(envelope, logs, { maxLogEntries: this.maxLogEntries, code: input.code });
      }
      // Two clocks: isolated-vm's `timeout` stops synchronous code (and endless microtask chains);
      // the host timer ends a script whose promise never settles, which isolated-vm would wait on forever.
      timer = setTimeout(() => end('timeout'), timeoutMs);
      const envelope: unknown = await realm.member('run').apply(undefined, args, { timeout: timeoutMs, result: { promise: true, copy: true } });
      return settleEnvelope(envelope, logs, { maxLogEntries: this.maxLogEntries, code: input.code });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (ending === undefined && message === 'Script execution timed out.') ending = 'timeout';
      if (ending === undefined && lease.disposed && /memory limit/i.test(message)) ending = 'memory';
      if (ending === undefined && this.closed) ending = 'closed';
      switch (ending) {
        case 'timeout':
          return fail({ code: 'TIMEOUT', message: `script exceeded its ${input.timeoutMs} ms timeout` }, logs);
        case 'memory':
          return fail({ code: 'MEMORY_LIMIT', message: `script exceeded its ${input.memoryLimitMb} MiB memory limit` }, logs);
        case 'cancelled':
          return fail({ code: 'CANCELLED', message: 'the script was cancelled' }, logs);
        case 'closed':
          return fail({ code: 'CANCELLED', message: 'the sandbox was closed while the script ran' }, logs);
        default:
          // Not the script's doing (a bug here or in isolated-vm): the caller should retry the step.
          throw error;
      }
    } finally {
      clearTimeout(timer);
      this.sinks.delete(id);
      input.signal?.removeEventListener('abort', onAbort);
      // A timed-out, cancelled or out-of-memory run may have left its realm half-way: never reuse it.
      this.pool.release(lease, ending === undefined);
    }
  }

  /** Creates an isolate's realm: its log callback finds the run's logs by the id the runner passes. */
  private openRealm(lease: PooledIsolate): Realm {
    const setup: BootstrapSetup = {
      registered: this.registry.names(),
      maxLogEntries: this.maxLogEntries,
      maxLogLength: this.maxLogLength,
      // A character is at least one UTF-8 byte, so this rejects early what the host would reject anyway.
      maxOutputChars: this.maxOutputBytes,
    };
    const log = (id: unknown, level: unknown, message: unknown, at: unknown): void => {
      const logs = typeof id === 'number' ? this.sinks.get(id) : undefined;
      logs?.push({
        level: typeof level === 'string' && LEVELS.has(level) ? (level as ScriptLogLevel) : 'info',
        message: String(message),
        at: typeof at === 'number' ? at : Date.now(),
      });
    };
    return Realm.open(lease, REALM, [new ivm.Callback(log), new ivm.ExternalCopy(setup).copyInto({ release: true }), new ivm.Callback(randomBytes)]);
  }

  /**
   * Defines in the realm the factories of the requested modules it lacks. Each is compiled once per
   * isolate (from a V8 code cache shared by isolates) and called afresh by every run that requires it.
   */
  private async defineModules(lease: PooledIsolate, realm: Realm, modules: string[]): Promise<void> {
    for (const name of modules) {
      if (realm.modules.has(name)) continue;
      const cachedData = this.codeCache.get(name);
      const options: ivm.ScriptInfo = { filename: moduleFilename(name), lineOffset: -1 };
      if (cachedData === undefined) options.produceCachedData = true;
      else options.cachedData = cachedData;
      const source = wrapModule(this.registry.source(name));
      const script = this.blocking ? lease.isolate.compileScriptSync(source, options) : await lease.isolate.compileScript(source, options);
      const produced = (script as ivm.Script & ivm.CachedDataResult).cachedData;
      if (cachedData === undefined && produced !== undefined) this.codeCache.set(name, produced);
      // Sync: the isolate is idle and leased to this run; evaluating the source only defines the factory.
      const factory = script.runSync(realm.context, { reference: true }) as ivm.Reference<unknown>;
      script.release();
      realm.member('defineModule').applySync(undefined, [name, factory.derefInto()]);
      factory.release();
      realm.modules.add(name);
    }
  }
}

const isAborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

/** The most `crypto.getRandomValues` fills at once (Web Crypto's limit). */
const MAX_RANDOM_BYTES = 65_536;

/**
 * `n` bytes from the host's CSPRNG, as a latin1 string (a primitive: it crosses into the isolate
 * without a copy step), for the realm's `crypto.getRandomValues`. Anything but a count the realm
 * could ask for gets nothing, which it reports as an error.
 */
function randomBytes(n: unknown): string {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_RANDOM_BYTES) return '';
  return randomFillSync(Buffer.allocUnsafe(n)).toString('latin1');
}

function fail(error: SandboxError, logs: ScriptLogEntry[]): RawScriptRunResult {
  return { ok: false, error, logs };
}

function compileFailure(error: SyntaxError, code: string): SandboxError {
  const { message, position } = splitCompileError(error.message, SCRIPT_FILENAME, code);
  const details: Record<string, unknown> = { name: 'SyntaxError' };
  if (position !== undefined) Object.assign(details, position);
  return { code: 'SCRIPT_ERROR', message, details };
}
