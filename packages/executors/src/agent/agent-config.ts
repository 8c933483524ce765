import { AgentJobConfigSchema, formatPath, stepError, type AgentJobConfig, type StepError } from '@agentic-flow/spec';
import { compileJsonSchema, type JsonValidator } from './json-schema.js';
import type { ChatProvider } from './provider.js';
import type { ProviderRegistry } from './providers/provider-registry.js';
import type { RegisteredTool, ToolRegistry } from './tools/tool-registry.js';

/** The part of a `ProviderRegistry` the executor needs (tests may pass a stand-in). */
export type AgentProviders = Pick<ProviderRegistry, 'resolve' | 'names'> & Partial<Pick<ProviderRegistry, 'closeAll'>>;

/** An agent job's config, checked and resolved against what this worker has. */
export interface ResolvedAgentJob {
  config: AgentJobConfig;
  provider: ChatProvider;
  model: string;
  /** The tools of the step's capabilities (empty for `synthesize`, which uses none). */
  tools: RegisteredTool[];
  /**
   * Capabilities no tool provides (`nlp`, `data-analysis`, as in the seed's examples): skills the
   * model is told to apply, not tools. A typo of a tool's capability lands here too, so the step's
   * log says which capabilities gave no tool.
   */
  skills: string[];
  validateOutput: JsonValidator | undefined;
}

export const DEFAULT_MAX_TURNS = 10;
export const DEFAULT_MAX_SUBTASKS = 5;

/**
 * Validates the job's config and resolves its provider, model, tools and output schema. Every
 * problem is an `INVALID_CONFIG` naming the field: the config was validated with the definition,
 * but templates were resolved since, and the provider and tool names are this worker's.
 */
export function resolveAgentJob(
  raw: unknown,
  providers: AgentProviders,
  registry: ToolRegistry,
): { ok: true; job: ResolvedAgentJob } | { ok: false; error: StepError } {
  const parsed = AgentJobConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${formatPath(['config', ...issue.path, key])}: unknown field`).join('; ');
      return `${formatPath(['config', ...issue.path])}: ${issue.message.replace(/^Invalid input: /, '')}`;
    });
    return invalid(`invalid agent-task config: ${problems.join('; ')}`, { problems });
  }
  const config = parsed.data;
  if (config.phase === 'synthesize' && config.subtasks === undefined) {
    return invalid('invalid agent-task config: $.config.subtasks: required in the synthesize phase');
  }

  const provider = providers.resolve(config.provider);
  if (provider === undefined) {
    return invalid(
      `invalid agent-task config: $.config.provider: unknown provider "${config.provider}" (configured: ${providers.names().join(', ') || 'none'})`,
      {
        provider: config.provider,
        configured: providers.names(),
      },
    );
  }

  const known = new Set(registry.capabilities());
  const skills = config.capabilities.filter((capability) => !known.has(capability));
  let tools: RegisteredTool[] = [];
  if (config.phase !== 'synthesize') {
    const resolved = registry.resolve(config.capabilities.filter((capability) => known.has(capability)));
    if (resolved.ok) tools = resolved.tools;
  }

  let validateOutput: JsonValidator | undefined;
  if (config.outputSchema !== undefined) {
    // Checked in every phase: a coordinator with a broken schema should fail before it plans, not
    // after all its subtasks ran.
    const compiled = compileJsonSchema(config.outputSchema);
    if (!compiled.ok) return invalid(`invalid agent-task config: $.config.outputSchema: not a valid JSON Schema: ${compiled.message}`);
    validateOutput = compiled.validate;
  }

  return { ok: true, job: { config, provider, model: config.model ?? provider.defaultModel, tools, skills, validateOutput } };
}

function invalid(message: string, details?: Record<string, unknown>): { ok: false; error: StepError } {
  return { ok: false, error: stepError('INVALID_CONFIG', message, details) };
}
