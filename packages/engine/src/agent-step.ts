import {
  AgentPlanSchema,
  formatPath,
  stepError,
  type AgentBudgetDetails,
  type AgentJobConfig,
  type AgentPlan,
  type AgentTaskConfig,
  type AgentTaskStep,
  type Problem,
  type StepError,
} from '@agentic-flow/spec';
import { withoutProgress, type NodeState } from './execution-state.js';
import type { StepSucceededEvent } from './events.js';
import { frameOf, subtaskKey, synthesisKey, type AgentPart } from './instance-key.js';
import type { StepKind, Transition } from './transition.js';
import { remainingTokens, usageOf } from './usage.js';
import { failAtLaunch, queueWork, resolveConfig } from './work-step.js';

/** How many subtasks a coordinator agent may plan when its step sets no `maxSubtasks`. */
export const DEFAULT_MAX_SUBTASKS = 5;

/**
 * Agent tasks. An `executor` is a work step like any other. A `coordinator` runs in phases, each a
 * job of its own on the agent-task queue:
 * 1. its **plan** runs as the instance itself (config + `phase: 'plan'`); the result's output is
 *    `{ plan }`, checked here (`AgentPlanSchema`, at most `maxSubtasks`, capabilities within the
 *    step's) — a bad plan fails the step with `AGENT_OUTPUT`;
 * 2. the node waits as `delegating` while every subtask runs at once, as an executor agent under
 *    `subtaskKey(key, i)` (so they spread over the workers);
 * 3. once all succeeded, its **synthesis** runs under `synthesisKey(key)` (config + `phase:
 *    'synthesize'` + every subtask's goal and output, in plan order); its output is the step's.
 * A subtask or the synthesis failing for good cancels the parts still in flight and fails the
 * coordinator with that error, through the usual failure path: its strategy acts on the step as a
 * whole, and a retry (escalation or resume from failure) plans again. Parts have no strategy and no
 * `record-error` of their own; they carry the step's retry policy (BullMQ attempts per job).
 *
 * With a `tokenBudget`, every agent job carries what is left of it; a job that would start with
 * nothing left fails at once with `AGENT_BUDGET` (its strategy acts, as for a template failure).
 */
export function launchAgent(t: Transition, key: string, step: AgentTaskStep, attempt: number): void {
  const part = step.config.agentType === 'coordinator' ? partOf(t, key) : undefined;
  const node = t.node(key);
  // Resume sends a queued (withdrawn) job again as the same step run: it is not a new start.
  const resend = node?.status === 'queued' && node.attempt === attempt;
  const scope = t.scopeOf(frameOf(key), step.id);
  const resolved = resolveConfig(t, key, step, attempt, scope);
  if (!resolved) return;
  const config = resolved.config as AgentTaskConfig;
  let job: AgentJobConfig;
  if (part !== undefined) {
    const built = partConfig(t, part, config);
    if (built === undefined) {
      // Its coordinator no longer waits for it (it failed or planned again): it never runs.
      t.cancelWhere((other) => other === key);
      return;
    }
    job = built;
  } else if (step.config.agentType === 'coordinator') {
    // Planning (again): the subtasks and synthesis of an earlier plan are done with.
    if (!resend) forgetParts(t, key);
    job = { ...config, phase: 'plan' };
  } else {
    job = config;
  }
  const remaining = remainingTokens(t.state);
  if (remaining !== undefined && remaining <= 0 && !resend) {
    failAtLaunch(t, key, step.id, attempt, budgetExhausted(t, step.id));
    return;
  }
  queueWork(t, key, step, attempt, job, scope);
}

function budgetExhausted(t: Transition, stepId: string): StepError {
  const tokenBudget = t.state.tokenBudget!;
  const { inputTokens, outputTokens } = usageOf(t.state);
  const used = inputTokens + outputTokens;
  const details: AgentBudgetDetails = { budget: tokenBudget, used };
  return stepError('AGENT_BUDGET', `step "${stepId}": the execution's token budget of ${tokenBudget} tokens is used up (${used} used)`, details);
}

/** The job config of a coordinator's subtask or synthesis; undefined when the coordinator no longer waits for it. */
function partConfig(t: Transition, part: AgentPart, config: AgentTaskConfig): AgentJobConfig | undefined {
  const coordinator = t.node(part.coordinatorKey);
  if (coordinator?.status !== 'delegating' || coordinator.plan === undefined) return undefined;
  const { subtasks } = coordinator.plan;
  if (part.part === 'synthesis') {
    const outcomes = subtasks.map((subtask, i) => ({ goal: subtask.goal, output: t.node(subtaskKey(part.coordinatorKey, i))?.output ?? null }));
    return { ...config, phase: 'synthesize', subtasks: outcomes };
  }
  const subtask = subtasks[part.index];
  if (subtask === undefined) return undefined;
  // An executor with the coordinator's provider, model, limits and context, and only the tools the plan gave it.
  return {
    agentType: 'executor',
    goal: subtask.goal,
    capabilities: subtask.capabilities ?? config.capabilities,
    timeout: config.timeout,
    ...(config.provider !== undefined ? { provider: config.provider } : {}),
    ...(config.model !== undefined ? { model: config.model } : {}),
    ...(config.systemPrompt !== undefined ? { systemPrompt: config.systemPrompt } : {}),
    ...(config.maxTurns !== undefined ? { maxTurns: config.maxTurns } : {}),
    ...(config.context !== undefined ? { context: config.context } : {}),
    parentGoal: config.goal,
  };
}

/** Forgets the subtasks and synthesis of the coordinator `key` (their attempts are remembered). */
function forgetParts(t: Transition, key: string): void {
  for (const other of Object.keys(t.state.nodes)) if (isPartOf(t, other, key)) t.forget(other);
}

/** Which part of which coordinator instance `key` is (its link says whose part it is, its key which one). */
function partOf(t: Transition, key: string): AgentPart | undefined {
  const link = t.hostOf(key);
  if (link?.role !== 'part') return undefined;
  if (key === synthesisKey(link.host)) return { coordinatorKey: link.host, part: 'synthesis' };
  return { coordinatorKey: link.host, part: 'subtask', index: Number(key.slice(subtaskKey(link.host, 0).length - 1)) };
}

function isPartOf(t: Transition, key: string, coordinatorKey: string): boolean {
  const link = t.hostOf(key);
  return link?.role === 'part' && link.host === coordinatorKey;
}

/** Starts part `partKey` of coordinator `key`, linked to it. */
function startPart(t: Transition, key: string, partKey: string, stepId: string): void {
  t.link(partKey, key, 'part');
  t.start(partKey, stepId);
}

/** True when the queued run `key` is a coordinator agent's plan (not one of its parts, nor an executor). */
export function isPlanRun(t: Transition, key: string, node: NodeState): boolean {
  const step = t.step(node.stepId);
  return step.type === 'agent-task' && step.config.agentType === 'coordinator' && partOf(t, key) === undefined;
}

/**
 * The plan run of coordinator `key` succeeded with `output`. A valid plan makes the node
 * `delegating` and starts every subtask (or holds them `ready` while paused; starts nothing while
 * the execution is failed: a resume does); an invalid one fails the step with `AGENT_OUTPUT`.
 */
export function planSucceeded(t: Transition, key: string, output: unknown): void {
  const node = t.node(key)!;
  const step = t.step(node.stepId) as AgentTaskStep;
  const resolved = resolveConfig(t, key, step, node.attempt, t.scopeOf(frameOf(key), step.id));
  if (!resolved) return;
  const config = resolved.config as AgentTaskConfig;
  const checked = checkPlan(output, config);
  if (!checked.ok) {
    const list = checked.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    // Recorded on the plan run, which its result recorded as succeeded: the step failed on its output.
    t.fail(key, stepError('AGENT_OUTPUT', `step "${step.id}": the coordinator's plan is invalid: ${list}`, { problems: checked.problems }));
    return;
  }
  t.setNode(key, { ...withoutProgress(node), status: 'delegating', plan: checked.plan });
  driveCoordinator(t, key);
}

/** A plan answer checked against `AgentPlanSchema`, the step's `maxSubtasks` and its capabilities. */
export function checkPlan(
  output: unknown,
  config: Pick<AgentTaskConfig, 'capabilities' | 'maxSubtasks'>,
): { ok: true; plan: AgentPlan } | { ok: false; problems: Problem[] } {
  if (output === null || typeof output !== 'object') return { ok: false, problems: [{ path: '$', message: 'must be an object with a "plan"' }] };
  const parsed = AgentPlanSchema.safeParse((output as { plan: unknown }).plan);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => ({ path: formatPath(['plan', ...issue.path]), message: issue.message })) };
  }
  const plan = parsed.data;
  const problems: Problem[] = [];
  const maxSubtasks = config.maxSubtasks ?? DEFAULT_MAX_SUBTASKS;
  if (plan.subtasks.length > maxSubtasks)
    problems.push({ path: '$.plan.subtasks', message: `has ${plan.subtasks.length} subtasks; at most ${maxSubtasks} are allowed` });
  // Subtasks run as executors with these tools: one outside the step's grant would escalate privileges.
  const granted = new Set(config.capabilities);
  plan.subtasks.forEach((subtask, index) => {
    const outside = (subtask.capabilities ?? []).filter((capability) => !granted.has(capability));
    if (outside.length === 0) return;
    const allowed = config.capabilities.length > 0 ? config.capabilities.map((c) => `"${c}"`).join(', ') : 'none';
    problems.push({
      path: formatPath(['plan', 'subtasks', index, 'capabilities']),
      message: `${outside.map((c) => `"${c}"`).join(', ')} not granted (allowed: ${allowed})`,
    });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, plan };
}

const broken = (node: NodeState | undefined): boolean => node?.status === 'failed' || node?.status === 'cancelled';

/**
 * Moves a `delegating` coordinator on from where its parts stand (after a part settled, a restore or
 * a resume): a failed part fails it; a succeeded synthesis makes it succeed — both also while the
 * execution is failed, recording what in-flight runs did. While it is live: subtasks that never
 * started start, and once they all succeeded the synthesis starts. Safe to call at any time.
 */
export function driveCoordinator(t: Transition, key: string): void {
  const node = t.node(key);
  if (node?.status !== 'delegating' || node.plan === undefined) return;
  const subtaskKeys = node.plan.subtasks.map((_, i) => subtaskKey(key, i));
  for (const [index, partKey] of subtaskKeys.entries()) {
    const subtask = t.node(partKey);
    if (broken(subtask)) {
      delegationFailed(t, key, partError(subtask!, `subtask ${index}`, { subtask: index }));
      return;
    }
  }
  const synthesis = t.node(synthesisKey(key));
  if (broken(synthesis)) {
    delegationFailed(t, key, partError(synthesis!, 'synthesis', { phase: 'synthesize' }));
    return;
  }
  if (synthesis?.status === 'succeeded') {
    coordinatorSucceeded(t, key, synthesis.output);
    return;
  }
  if (!t.live) return;
  for (const partKey of subtaskKeys) {
    if (t.node(partKey)) continue;
    startPart(t, key, partKey, node.stepId);
    // It may have failed at once (a template, the budget), and the coordinator with it.
    if (t.node(key)?.status !== 'delegating') return;
  }
  if (synthesis === undefined && subtaskKeys.every((partKey) => t.node(partKey)?.status === 'succeeded')) startPart(t, key, synthesisKey(key), node.stepId);
}

/** The coordinator's error for a failed (or cancelled) part: its code and details, naming the part. */
function partError(part: NodeState, name: string, where: Record<string, unknown>): StepError {
  const error = part.error ?? stepError('CANCELLED', 'it was cancelled');
  return stepError(error.code, `${name} failed: ${error.message}`, { ...(error.details ?? {}), ...where });
}

/** Cancels the coordinator's parts still queued or ready, then it fails with `error` (its strategy acts). */
function delegationFailed(t: Transition, key: string, error: StepError): void {
  t.cancelWhere((other) => isPartOf(t, other, key));
  t.fail(key, error);
}

/**
 * The synthesis succeeded: so does the coordinator, with its output. Its run is the plan run, which
 * keeps `{ plan }` as its output (the synthesis run holds the answer): only the status is recorded.
 */
function coordinatorSucceeded(t: Transition, key: string, output: unknown): void {
  t.setNode(key, { ...withoutProgress(t.node(key)!), status: 'succeeded', output });
  t.record(key, 'succeeded');
  t.settled(key);
}

/**
 * Agent tasks: an executor is a work step; a coordinator's plan result starts its delegation, and
 * its parts (linked to it) drive it from there, even while the execution is failed.
 */
export const agentKind: StepKind<AgentTaskStep> = {
  launch: launchAgent,
  succeeded(t: Transition, key: string, event: StepSucceededEvent): void {
    if (!isPlanRun(t, key, t.node(key)!)) {
      t.resultSucceeded(key, event);
      return;
    }
    if (event.variableUpdates) t.applyVariableUpdates(key, event.variableUpdates);
    planSucceeded(t, key, event.output);
  },
  partSettled: (t, hostKey) => driveCoordinator(t, hostKey),
  redrive: (t, key) => driveCoordinator(t, key),
};
