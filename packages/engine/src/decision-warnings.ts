import type { ConditionStep, LoopStep, Step, StepError } from '@agentic-flow/spec';
import type { ExpressionPurpose } from './events.js';
import type { Transition } from './transition.js';

/** How an expression is named in messages: by the field that holds it. */
const LABELS: Record<ExpressionPurpose, string> = { condition: 'condition', 'loop-condition': 'condition', 'loop-break': 'breakCondition' };
/** Longer expressions are cut in messages: they go to logs and error rows. */
const MAX_QUOTED = 300;

/** The expression of `step` answering `purpose`, as written. */
export function expressionOf(step: Step, purpose: ExpressionPurpose): string {
  if (purpose === 'condition') return (step as ConditionStep).config.condition;
  const { condition, breakCondition } = (step as LoopStep).config;
  return (purpose === 'loop-condition' ? condition : breakCondition) ?? '';
}

/** `condition \`results.x > 1\``: which expression of a step a message is about. */
export function describeExpression(step: Step, purpose: ExpressionPurpose): string {
  const expression = expressionOf(step, purpose);
  const quoted = expression.length > MAX_QUOTED ? `${expression.slice(0, MAX_QUOTED)}…` : expression;
  return `${LABELS[purpose]} \`${quoted}\``;
}

/**
 * The failure of an expression that threw, timed out or crashed its sandbox, quoting it: the step
 * fails with it (the expression's code kept) instead of taking a branch.
 */
export function expressionFailure(step: Step, purpose: ExpressionPurpose, error: StepError): StepError {
  const kind = step.type === 'loop' ? 'loop' : 'step';
  return { ...error, message: `${kind} "${step.id}" ${describeExpression(step, purpose)}: ${error.message}` };
}

/**
 * A decision read `undefined` from a property path with a comparison or arithmetic operator
 * (`results.x.quality > 0.8`, x's result having no `quality`): it still follows JavaScript, and the
 * execution's logs get one warning naming the step, the expression, the path and the keys that are
 * there (`warning`, from the coordinator). One per expression of a step instance, not one per
 * evaluation: a loop asks its condition every iteration.
 */
export function warnUndefined(t: Transition, key: string, purpose: ExpressionPurpose, warning: string): void {
  const node = t.node(key);
  if (node === undefined || node.warnedUndefined?.includes(purpose)) return;
  t.setNode(key, { ...node, warnedUndefined: [...(node.warnedUndefined ?? []), purpose] });
  const step = t.step(node.stepId);
  const message = `step "${step.id}": ${describeExpression(step, purpose)} read undefined and went on with it: ${warning}`;
  t.emit({ type: 'log', key, stepId: step.id, attempt: node.attempt, level: 'warn', message, at: t.at });
}
