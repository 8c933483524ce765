import { z } from 'zod';
import { AGENT_PHASES } from '../agent.js';
import { DurationMsSchema } from '../ids.js';
import { ALL_RESULTS, mergeReads, templateResultReads, type ConfigResultReads } from '../result-reads.js';
import { noSecrets } from '../secrets.js';
import type { WorkJobContents } from '../work-job-contents.js';
import { ContextResultsSchema } from './context-results.js';

export const AgentTaskConfigSchema = z.strictObject({
  /** `coordinator` plans and delegates subtasks; `executor` does the work with its tools. */
  agentType: z.enum(['coordinator', 'executor']).default('executor'),
  /** What the agent must achieve. Supports `{{ }}` templates. */
  goal: z.string().min(1, 'must not be empty'),
  /** Tools the agent may use, by registry name. */
  capabilities: z.array(z.string().min(1)).default([]),
  timeout: DurationMsSchema.default(300_000),
  /** Provider name from the operator's configuration (e.g. `openai`, `anthropic`, `ollama`). */
  provider: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  systemPrompt: z.string().optional(),
  maxTurns: z.number().int().min(1).max(100).optional(),
  /** Upper bound on the subtasks a coordinator agent may plan. */
  maxSubtasks: z.number().int().min(1).max(100).optional(),
  /** JSON Schema the final answer must satisfy. */
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  /** Which results and variables the agent sees; all of them when omitted. */
  context: z
    .strictObject({
      results: ContextResultsSchema.optional(),
      variables: z.array(z.string()).optional(),
    })
    .optional(),
});

export type AgentTaskConfig = z.infer<typeof AgentTaskConfigSchema>;

/**
 * An agent's goal and prompts go to a model, and its provider's credentials are the operator's
 * (`AGENT_PROVIDER_*`): no field of an agent step may reference a secret.
 */
export const AGENT_TASK_SECRETS = noSecrets(
  "agent steps cannot use secrets: a provider's credentials are configured on the workers (AGENT_PROVIDER_*), and a goal or prompt goes to the model",
);

/**
 * An agent's job carries the step's scope (its `context` picks the results the model is shown) and,
 * under a `tokenBudget`, what is left of it: the worker stops a run that would cross it.
 */
export const AGENT_TASK_JOB_CONTENTS: WorkJobContents = { scope: true, tokenBudget: true };

/**
 * An agent-task job's config: the step's config (templates resolved) plus what the engine adds for
 * a coordinator agent's phases. A coordinator's subtask is an executor config with `parentGoal`.
 */
export const AgentJobConfigSchema = AgentTaskConfigSchema.extend({
  phase: z.enum(AGENT_PHASES).optional(),
  /** `synthesize`: every subtask's goal and output, in plan order. */
  subtasks: z.array(z.strictObject({ goal: z.string(), output: z.unknown() })).optional(),
  /** A subtask: the goal of the coordinator agent that planned it. */
  parentGoal: z.string().optional(),
});

export type AgentJobConfig = z.infer<typeof AgentJobConfigSchema>;

/** The model sees the results its `context` lists, or all of them; `steps` only through templates. */
export const AGENT_TASK_READS: ConfigResultReads<AgentTaskConfig> = (config, root) => {
  const listed = config.context?.results;
  if (root === 'steps') return templateResultReads(config, root);
  return listed === undefined ? ALL_RESULTS : mergeReads({ all: false, steps: new Set(listed) }, templateResultReads(config, root));
};
