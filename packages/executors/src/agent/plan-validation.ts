import { AgentPlanSchema, formatPath, type AgentPlan } from '@agentic-flow/spec';
import type { SchemaViolation } from './json-schema.js';
import { parseJsonAnswer, type AnswerChecker } from './output-validation.js';

/** What a coordinator agent's plan must respect beyond {@link AgentPlanSchema}. */
export interface PlanLimits {
  maxSubtasks: number;
  /** The coordinator step's capabilities: a subtask may ask for these only. */
  capabilities: readonly string[];
}

/**
 * The checker of a planning answer: JSON, shaped like {@link AgentPlanSchema}, with at most
 * `maxSubtasks` subtasks whose capabilities the coordinator was granted. The engine fans the plan
 * out as executor steps, so a capability outside the grant would be a privilege escalation.
 */
export function planChecker(limits: PlanLimits): AnswerChecker {
  return (text) => {
    const parsed = parseJsonAnswer(text);
    if (!parsed.ok) return { ok: false, reason: 'not_json', problem: parsed.problem };
    const violations = planViolations(parsed.value, limits);
    if (violations.length > 0) return { ok: false, reason: 'invalid_plan', problem: 'the plan is invalid', violations };
    return { ok: true, value: AgentPlanSchema.parse(parsed.value) };
  };
}

/** Every problem of a plan, with JSON paths; empty when the plan is fine. */
export function planViolations(value: unknown, limits: PlanLimits): SchemaViolation[] {
  const parsed = AgentPlanSchema.safeParse(value);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => ({
      path: formatPath(issue.path),
      message: issue.code === 'unrecognized_keys' ? `unexpected properties ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message,
    }));
  }
  const plan: AgentPlan = parsed.data;
  const violations: SchemaViolation[] = [];
  if (plan.subtasks.length > limits.maxSubtasks) {
    violations.push({ path: '$.subtasks', message: `has ${plan.subtasks.length} subtasks; at most ${limits.maxSubtasks} are allowed` });
  }
  const granted = new Set(limits.capabilities);
  plan.subtasks.forEach((subtask, index) => {
    const outside = (subtask.capabilities ?? []).filter((capability) => !granted.has(capability));
    if (outside.length === 0) return;
    const allowed = limits.capabilities.length > 0 ? limits.capabilities.join(', ') : 'none';
    violations.push({ path: `$.subtasks[${index}].capabilities`, message: `${outside.map((c) => `"${c}"`).join(', ')} not granted (allowed: ${allowed})` });
  });
  return violations;
}
