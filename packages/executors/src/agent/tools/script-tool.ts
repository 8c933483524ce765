import type { ScriptConfig } from '@agentic-flow/spec';
import { createScriptExecutor, type ScriptExecutorOptions } from '../../script/script-executor.js';
import type { StepExecutor } from '../../step-executor.js';
import type { AgentTool } from './agent-tool.js';

/** Options of {@link createScriptTool}. */
export interface ScriptToolOptions {
  /** The executor scripts run through. Default: one the tool creates (with its own sandbox) and closes. */
  executor?: StepExecutor<ScriptConfig>;
  /** Options of the executor the tool creates (e.g. a shared `sandbox`). */
  executorOptions?: ScriptExecutorOptions;
  /** Per-script timeout, further bounded by the time the step has left. Default 30 000 ms. */
  timeoutMs?: number;
  /** Heap limit per script, MiB. Default 128. */
  memoryLimitMb?: number;
  /** Modules the agent's scripts may `require` (from the sandbox's registry). Default none. */
  allowedModules?: readonly string[];
}

/**
 * The `script` capability: tool `run_script`. The model's JavaScript runs in the isolated-vm
 * sandbox through the `script` step executor, with the agent's context (`results`, `variables`,
 * `input`, `execution`) in scope, and `idempotencyKey`: this call's key (as a script step sees its
 * step's). The result is `{ value }` (plus `console` lines when it logged);
 * a throw, a timeout or a memory overrun is an error result. `setVariable` calls are dropped: an
 * agent changes variables through its step's output, not behind the engine's back.
 */
export function createScriptTool(options: ScriptToolOptions = {}): AgentTool {
  const owned = options.executor === undefined;
  const executor = options.executor ?? createScriptExecutor(options.executorOptions);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const memoryLimit = options.memoryLimitMb ?? 128;
  const allowedModules = [...(options.allowedModules ?? [])];
  const modulesNote = allowedModules.length > 0 ? ` require() may load: ${allowedModules.join(', ')}.` : ' There is no require, network or filesystem.';

  return {
    spec: {
      name: 'run_script',
      description:
        'Run JavaScript (the body of an async function: use `return` for the result, top-level await works) in a sandbox. ' +
        'The globals `results`, `variables`, `input` and `execution` hold the workflow data you were given.' +
        modulesNote,
      parameters: {
        type: 'object',
        properties: { code: { type: 'string', minLength: 1, description: 'JavaScript; `return` the value you want back.' } },
        required: ['code'],
        additionalProperties: false,
      },
    },

    async run(args, context) {
      const console: string[] = [];
      const config: ScriptConfig = {
        script: args['code'] as string,
        language: 'javascript',
        timeout: Math.max(1, Math.min(timeoutMs, Math.floor(context.remainingMs()))),
        memoryLimit,
        allowedModules,
      };
      const outcome = await executor.execute(
        { ...context.step, stepType: 'script', config, context: context.context, idempotencyKey: context.idempotencyKey },
        {
          signal: context.signal,
          log: (level, message) => {
            console.push(`${level}: ${message}`);
            context.log(level, `run_script: ${message}`);
          },
        },
      );
      if (!outcome.ok) {
        const line = typeof outcome.error.details?.['line'] === 'number' ? ` (line ${outcome.error.details['line']})` : '';
        const logged = console.length > 0 ? `\nconsole output before the error:\n${console.join('\n')}` : '';
        throw new Error(`${outcome.error.code}: ${outcome.error.message}${line}${logged}`);
      }
      return console.length > 0 ? { value: outcome.output ?? null, console } : { value: outcome.output ?? null };
    },

    async close() {
      if (owned) await executor.close?.();
    },
  };
}
