import { BUILTIN_MODULES } from '@agentic-flow/sandbox/syntax';
import { formatPath, type Problem } from '@agentic-flow/spec';
import { rawSteps } from './raw-steps.js';

/** What a cluster allows a definition to ask for: a step asking more is refused at registration. */
export interface DefinitionCaps {
  /** `SCRIPT_MAX_TIMEOUT_MS`: the longest script `timeout`. */
  scriptMaxTimeoutMs: number;
  /** `SCRIPT_MAX_MEMORY_MB`: the largest script `memoryLimit`. */
  scriptMaxMemoryMb: number;
  /**
   * The modules scripts may `require`: the workers' module registry (`BUILTIN_MODULES`). A script
   * listing another in `allowedModules` is refused here, naming it and these, rather than failing
   * `MODULE_NOT_ALLOWED` on its first run.
   */
  scriptModules: readonly string[];
}

/** A coordinator's caps when its operator sets none: the CLI's `validate` checks against these. */
export const DEFAULT_DEFINITION_CAPS: Readonly<DefinitionCaps> = Object.freeze({
  scriptMaxTimeoutMs: 300_000,
  scriptMaxMemoryMb: 512,
  scriptModules: BUILTIN_MODULES,
});

/** Every script step of a (raw) definition asking more than `caps` allow, or a module the registry lacks. */
export function capProblems(input: unknown, caps: DefinitionCaps): Problem[] {
  const problems: Problem[] = [];
  rawSteps(input).forEach((step: unknown, index) => {
    const { type, config } = (step ?? {}) as { type?: unknown; config?: Record<string, unknown> };
    if (type !== 'script') return;
    const timeout = config?.['timeout'];
    if (typeof timeout === 'number' && timeout > caps.scriptMaxTimeoutMs) {
      problems.push({
        path: formatPath(['steps', index, 'config', 'timeout']),
        message: `${timeout} ms is over this cluster's SCRIPT_MAX_TIMEOUT_MS (${caps.scriptMaxTimeoutMs} ms)`,
      });
    }
    const memory = config?.['memoryLimit'];
    if (typeof memory === 'number' && memory > caps.scriptMaxMemoryMb) {
      problems.push({
        path: formatPath(['steps', index, 'config', 'memoryLimit']),
        message: `${memory} MiB is over this cluster's SCRIPT_MAX_MEMORY_MB (${caps.scriptMaxMemoryMb} MiB)`,
      });
    }
    const modules = config?.['allowedModules'];
    if (!Array.isArray(modules)) return;
    modules.forEach((name: unknown, at) => {
      if (typeof name !== 'string' || name === '' || caps.scriptModules.includes(name)) return;
      const registered = caps.scriptModules.length === 0 ? 'none' : caps.scriptModules.join(', ');
      problems.push({
        path: formatPath(['steps', index, 'config', 'allowedModules', at]),
        message: `module "${name}" is not in this cluster's module registry (registered: ${registered})`,
      });
    });
  });
  return problems;
}
