import type { ConditionStep } from '@agentic-flow/spec';
import type { ExpressionOutcome } from './events.js';
import { frameOf } from './instance-key.js';
import type { Transition } from './transition.js';

/** A condition asks the coordinator to evaluate its expression and waits as `evaluating`. */
export function launchCondition(t: Transition, key: string, step: ConditionStep, attempt: number): void {
  t.setNode(key, { stepId: step.id, status: 'evaluating', attempt });
  t.emit({ type: 'evaluate', key, purpose: 'condition', expression: step.config.condition, scope: t.scopeOf(frameOf(key), step.id), at: t.at });
}

/**
 * The condition's output is its truthiness; `trueStep` or `falseStep` follows and the other side
 * is skipped by dead-path elimination. An expression that throws or times out fails the step.
 */
export function conditionEvaluated(t: Transition, key: string, outcome: ExpressionOutcome): void {
  if (outcome.ok) t.succeed(key, outcome.truthy);
  else t.fail(key, outcome.error);
}
