import type { ConditionStep } from '@agentic-flow/spec';
import type { EvaluateCommand } from './commands.js';
import { expressionFailure } from './decision-warnings.js';
import type { ExpressionEvent, ExpressionOutcome } from './events.js';
import { frameOf } from './instance-key.js';
import type { StepKind, Transition } from './transition.js';
import { warnUndefined } from './decision-warnings.js';

/**
 * A condition asks the coordinator to evaluate its expression and waits as `evaluating`. Its run is
 * recorded running (folded into its outcome when that comes in the same transaction), so one whose
 * answer was lost with a coordinator can be found and asked again.
 */
export function launchCondition(t: Transition, key: string, step: ConditionStep, attempt: number): void {
  t.setNode(key, { stepId: step.id, status: 'evaluating', attempt });
  t.record(key, 'running');
  t.emit(conditionEvaluation(t, key, step, attempt));
}

/** The `evaluate` command of condition `key`, waiting at `attempt`. */
export function conditionEvaluation(t: Transition, key: string, step: ConditionStep, attempt: number): EvaluateCommand {
  return { type: 'evaluate', key, purpose: 'condition', attempt, expression: step.config.condition, scope: t.scopeOf(frameOf(key), step.id), at: t.at };
}

/**
 * The condition's output is its truthiness; `trueStep` or `falseStep` follows and the other side
 * is skipped by dead-path elimination. An expression that throws or times out fails the step,
 * quoting it: never a branch taken on a failure.
 */
export function conditionEvaluated(t: Transition, key: string, outcome: ExpressionOutcome): void {
  if (outcome.ok) t.succeed(key, outcome.truthy);
  else t.fail(key, expressionFailure(t.step(t.node(key)!.stepId), 'condition', outcome.error));
}

/** A condition is decided by the coordinator: it asks for its expression and follows the answer. */
export const conditionKind: StepKind<ConditionStep> = {
  launch: launchCondition,
  evaluated(t: Transition, key: string, event: ExpressionEvent): string | undefined {
    if (event.purpose !== 'condition' || t.node(key)?.status !== 'evaluating') return `step ${key} is not waiting for its condition`;
    if (event.outcome.ok && event.outcome.warning !== undefined) warnUndefined(t, key, event.purpose, event.outcome.warning);
    conditionEvaluated(t, key, event.outcome);
    return undefined;
  },
  pendingEvaluations: (t, key, step, node) => (node.status === 'evaluating' ? [conditionEvaluation(t, key, step, node.attempt)] : []),
  // Its answer was ignored (the execution had failed meanwhile, say): it asks again.
  redrive(t, key, node) {
    if (node.status === 'evaluating') t.launch(key, node.stepId, node.attempt);
  },
};
