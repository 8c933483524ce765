import { SCRIPT_FACTS, ScriptSandbox, type ScriptFact, type ScriptGlobals, type ScriptRunner } from '@agentic-flow/sandbox';
import { ScriptConfigSchema, stepError, type ScriptConfig, type StepError } from '@agentic-flow/spec';
import type { StepExecutionInput, StepExecutor, StepOutcome, StepRuntime } from '../step-executor.js';
import { invalidConfig } from './invalid-config.js';
import { SCRIPT_EXECUTOR_TRAITS } from './script-traits.js';

/** Options of {@link createScriptExecutor}. */
export interface ScriptExecutorOptions {
  /**
   * Where scripts run, owned by the caller (the executor's `close()` leaves it open): a pool of
   * sandbox processes (`ProcessScriptSandbox`), so a script that makes V8 abort cannot take the
   * caller's process with it, or an in-process `ScriptSandbox`. Default: an in-process sandbox the
   * executor creates and closes.
   */
  sandbox?: ScriptRunner;
  /** Operator modules (name → CommonJS source) for the sandbox the executor creates, beside lodash. */
  modules?: Record<string, string>;
  /**
   * The operator's caps. A step asking for more — its config crossed the queue, so it may come from
   * a definition registered before the caps existed, or be forged — runs with the cap instead, and
   * a warning in the step's logs says so. Default: no cap beyond the step schema's own bounds.
   */
  maxTimeoutMs?: number;
  /** Heap cap per script, MiB (see `maxTimeoutMs`). */
  maxMemoryLimitMb?: number;
}

/**
 * Every fact a script reads by name (`SCRIPT_FACTS`: `startTime`, `executionId`, `stepId`,
 * `attempt`, `idempotencyKey`) is the step input's field of the same name: checked here, so a fact the sandbox adds
 * without an input field to fill it does not compile.
 */
const FACT_FIELDS: readonly (ScriptFact & keyof StepExecutionInput)[] = SCRIPT_FACTS;

/** The run's facts for the script, from its input; `startTime` is now when the worker gave none. */
function factsOf(input: StepExecutionInput<ScriptConfig>): Pick<ScriptGlobals, ScriptFact> {
  const run: StepExecutionInput<ScriptConfig> = { startTime: Date.now(), ...input };
  const facts: Pick<ScriptGlobals, ScriptFact> = {};
  for (const name of FACT_FIELDS) {
    const value = run[name];
    if (typeof value === 'string' || typeof value === 'number') facts[name] = value;
  }
  return facts;
}

/**
 * The `script` step: runs `config.script` in the sandbox (isolated-vm) with the step's context
 * (`results`, `steps`, `variables`, `input`, `execution`, `loop`) and the run's facts (`startTime`,
 * `executionId`, `stepId`, `attempt`, `idempotencyKey` — the key http steps send as
 * `Idempotency-Key`) as globals, and the secrets its config lists (from
 * `runtime.secret`) as the frozen object `secrets`. `console.*` output goes to
 * `runtime.log`, `setVariable` calls become the outcome's `variableUpdates`, and a failure of the
 * script (throw, timeout, memory, module, output, a crashed sandbox process) is an `ok: false`
 * outcome with the sandbox's error code.
 *
 * @example
 * ```ts
 * const executor = createScriptExecutor({ modules: { slug: 'module.exports = (s) => s.toLowerCase();' } });
 * const outcome = await executor.execute(
 *   { ...job, config: { script: 'return require("slug")(input.title);', allowedModules: ['slug'] } },
 *   { signal, log: (level, message) => logger[level](message) },
 * );
 * await executor.close?.();
 * ```
 */
export function createScriptExecutor(options: ScriptExecutorOptions = {}): StepExecutor<ScriptConfig> {
  if (options.sandbox !== undefined && options.modules !== undefined) {
    // Silently ignoring `modules` would surface later as MODULE_NOT_ALLOWED on every step that needs one.
    throw new TypeError('createScriptExecutor: pass `modules` to the sandbox you provide, not to the executor');
  }
  const owned = options.sandbox === undefined;
  const sandbox = options.sandbox ?? new ScriptSandbox(options.modules === undefined ? {} : { modules: options.modules });

  return {
    ...SCRIPT_EXECUTOR_TRAITS,

    async execute(input: StepExecutionInput<ScriptConfig>, runtime: StepRuntime): Promise<StepOutcome> {
      // The config crossed the queue as JSON: validate it here, whatever the type parameter says.
      const parsed = ScriptConfigSchema.safeParse(input.config);
      if (!parsed.success) return { ok: false, error: invalidConfig(parsed.error.issues) };
      const config = parsed.data;
      const secrets: Record<string, string> = {};
      for (const name of config.secrets ?? []) {
        const value = runtime.secret?.(name);
        if (value === undefined) return { ok: false, error: missingSecret(name) };
        secrets[name] = value;
      }
      const timeoutMs = capped(config.timeout, options.maxTimeoutMs, 'ms', 'a timeout of', runtime);
      const memoryLimitMb = capped(config.memoryLimit, options.maxMemoryLimitMb, 'MiB', 'a memory limit of', runtime);
      const result = await sandbox.run({
        code: config.script,
        timeoutMs,
        memoryLimitMb,
        modules: config.allowedModules,
        // The secrets the step lists, and no other: the script sees them as the frozen object `secrets`.
        globals: { ...input.context, ...factsOf(input), ...(config.secrets === undefined ? {} : { secrets }) },
        signal: runtime.signal,
      });
      for (const entry of result.logs) runtime.log(entry.level, entry.message);
      if (result.ok) return { ok: true, output: result.value, variableUpdates: result.variableUpdates };
      const error: StepError = stepError(result.error.code, result.error.message, result.error.details);
      return { ok: false, error };
    },

    async close(): Promise<void> {
      if (owned) await sandbox.close();
    },
  };
}

/** A secret the step lists that this worker does not hold: the step cannot run as written. */
export function missingSecret(name: string): StepError {
  return stepError('TEMPLATE', `secret "${name}" is not configured on this worker (AF_SECRET_${name}, or a file "${name}" in AF_SECRETS_DIR)`, {
    secret: name,
  });
}

/** The step's value, or the operator's cap when it asks for more (with a warning in the step's logs). */
function capped(asked: number, cap: number | undefined, unit: string, what: string, runtime: StepRuntime): number {
  if (cap === undefined || asked <= cap) return asked;
  runtime.log('warn', `the script asks for ${what} ${asked} ${unit}; this worker allows at most ${cap} ${unit}, so it runs with ${cap} ${unit}`);
  return cap;
}
