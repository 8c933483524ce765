import { ScriptSandbox } from '@agentic-flow/sandbox';
import { ScriptConfigSchema, stepError, type ScriptConfig, type StepError } from '@agentic-flow/spec';
import type { StepExecutionInput, StepExecutor, StepOutcome, StepRuntime } from '../step-executor.js';
import { invalidConfig } from './invalid-config.js';

/** Options of {@link createScriptExecutor}. */
export interface ScriptExecutorOptions {
  /**
   * A sandbox to run scripts in, owned by the caller (the executor's `close()` leaves it open).
   * Default: a sandbox the executor creates and closes.
   */
  sandbox?: ScriptSandbox;
  /** Operator modules (name → CommonJS source) for the sandbox the executor creates, beside lodash. */
  modules?: Record<string, string>;
}

/**
 * The `script` step: runs `config.script` in isolated-vm with the step's context (`results`,
 * `variables`, `input`, `execution`) as globals. `console.*` output goes to `runtime.log`,
 * `setVariable` calls become the outcome's `variableUpdates`, and a failure of the script (throw,
 * timeout, memory, module, output) is an `ok: false` outcome with the sandbox's error code.
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
    throw new TypeError('createScriptExecutor: pass `modules` to the ScriptSandbox you provide, not to the executor');
  }
  const owned = options.sandbox === undefined;
  const sandbox = options.sandbox ?? new ScriptSandbox(options.modules === undefined ? {} : { modules: options.modules });

  return {
    type: 'script',

    async execute(input: StepExecutionInput<ScriptConfig>, runtime: StepRuntime): Promise<StepOutcome> {
      // The config crossed the queue as JSON: validate it here, whatever the type parameter says.
      const parsed = ScriptConfigSchema.safeParse(input.config);
      if (!parsed.success) return { ok: false, error: invalidConfig(parsed.error.issues) };
      const config = parsed.data;
      const result = await sandbox.run({
        code: config.script,
        timeoutMs: config.timeout,
        memoryLimitMb: config.memoryLimit,
        modules: config.allowedModules,
        globals: input.context,
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
