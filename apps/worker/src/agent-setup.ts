import {
  ToolRegistry,
  createAgentExecutor,
  createEgressPolicy,
  createHttpTool,
  createScriptTool,
  loadToolModules,
  providersFromEnv,
  type EgressPolicy,
  type ProviderSummary,
  type StepExecutor,
} from '@agentic-flow/executors';
import type { ScriptRunner } from '@agentic-flow/sandbox';
import type { WorkerConfig } from './config.js';

/** What the worker's ready line says about its agents: never a key. */
export interface AgentSummary {
  providers: ProviderSummary[];
  defaultProvider: string;
  /** Capability → tool names. */
  capabilities: Record<string, string[]>;
  /** The operator's tool modules that were loaded. */
  toolModules: string[];
}

export type AgentSetupResult = { ok: true; executor: StepExecutor; summary: AgentSummary } | { ok: false; message: string };

/** The worker settings agents use; the script caps default to none (the tool's own limits). */
export type AgentSetupConfig = Pick<WorkerConfig, 'AGENT_TOOL_MODULES'> & Partial<Pick<WorkerConfig, 'SCRIPT_MAX_TIMEOUT_MS' | 'SCRIPT_MAX_MEMORY_MB'>>;

/**
 * Builds the `agent-task` executor from the environment: the LLM providers (`providersFromEnv`),
 * the built-in tools (`http`, `script`) and the operator's tool modules (`AGENT_TOOL_MODULES`).
 * Every problem is returned as one message for the startup error line, before the worker connects
 * to anything: a worker that cannot run its agents must not start taking their jobs.
 *
 * The `run_script` tool runs the model's code in `scriptSandbox` — sandbox processes of the
 * agents' own (`AGENT_SCRIPT_PROCESSES`), apart from those of `script` steps, so a model's script
 * that crashes one never costs a script step its slot — under the same caps as script steps. The
 * caller owns the sandbox and closes it after the executor.
 *
 * The `http_request` tool goes through `egress`, the worker's egress policy (the same object its
 * http steps use; default: public addresses only). The providers' base URLs do not: they are the
 * operator's configuration, not a model's or a workflow's input.
 */
export async function createAgentSetup(
  env: NodeJS.ProcessEnv,
  config: AgentSetupConfig,
  scriptSandbox: ScriptRunner,
  egress: EgressPolicy = createEgressPolicy(),
): Promise<AgentSetupResult> {
  const providers = providersFromEnv(env);
  if ('problems' in providers) return { ok: false, message: `invalid agent provider configuration: ${providers.problems.join('; ')}` };
  const { registry } = providers;

  const tools = new ToolRegistry();
  const modules: string[] = [];
  try {
    const executorOptions = {
      sandbox: scriptSandbox,
      ...(config.SCRIPT_MAX_TIMEOUT_MS === undefined ? {} : { maxTimeoutMs: config.SCRIPT_MAX_TIMEOUT_MS }),
      ...(config.SCRIPT_MAX_MEMORY_MB === undefined ? {} : { maxMemoryLimitMb: config.SCRIPT_MAX_MEMORY_MB }),
    };
    tools.register('http', createHttpTool({ executorOptions: { egress } })).register('script', createScriptTool({ executorOptions }));
    for (const loaded of await loadToolModules(config.AGENT_TOOL_MODULES)) {
      tools.register(loaded.capability, loaded.tool);
      if (!modules.includes(loaded.source)) modules.push(loaded.source);
    }
  } catch (error) {
    await Promise.allSettled([tools.close(), registry.closeAll()]);
    return { ok: false, message: `AGENT_TOOL_MODULES: ${(error as Error).message}` };
  }

  const capabilities: Record<string, string[]> = {};
  for (const capability of tools.capabilities()) {
    const resolved = tools.resolve([capability]);
    capabilities[capability] = resolved.ok ? resolved.tools.map((t) => t.tool.spec.name) : [];
  }
  return {
    ok: true,
    executor: createAgentExecutor({ providers: registry, tools }),
    summary: { providers: registry.list(), defaultProvider: registry.defaultProvider.name, capabilities, toolModules: modules },
  };
}
