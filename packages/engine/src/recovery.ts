import { TOP_SCOPE, isContainerStepType, retryPolicyOfStrategy, stepError, type RecoveryStrategy, type Step, type StepError } from '@agentic-flow/spec';
import type { RecoveryAction, RetryPolicy } from './commands.js';
import type { ErrorResolvedEvent } from './events.js';
import { isSettled, withoutProgress, type NodeState } from './execution-state.js';
import { alternativeKey, compensationKey, frameOf } from './instance-key.js';
import type { DecideOptions } from './decide-options.js';
import type { FailureRules, Transition } from './transition.js';

/** A step's strategy: its `onError`, else the one registered for its id in this workflow, else for its type. */
export function effectiveStrategy(step: Step, options: DecideOptions): RecoveryStrategy | undefined {
  return step.onError ?? options.strategies?.byStep.get(step.id) ?? options.strategies?.byType.get(step.type);
}

/** The queue's retry policy for a work step whose strategy is `retry`. */
export function retryPolicyOf(step: Step, options: DecideOptions): RetryPolicy | undefined {
  const strategy = effectiveStrategy(step, options);
  return strategy?.type === 'retry' ? retryPolicyOfStrategy(strategy) : undefined;
}

/**
 * Whether `strategy` can act for `step` in this workflow. A definition's `onError` is validated
 * with it; a registered strategy is not, so one naming a step this workflow does not have, a
 * container (a parallel, a loop), or the step itself, is not used (the step fails as without a strategy).
 */
function usable(t: Transition, step: Step, strategy: RecoveryStrategy): boolean {
  const runnable = (id: string) => t.workflow.steps.has(id) && id !== step.id && !isContainerStepType(t.step(id).type);
  if (strategy.type === 'alternative') return runnable(strategy.alternativeStep);
  if (strategy.type === 'rollback') return strategy.rollbackSteps.every(runnable);
  return true;
}

/**
 * A step instance failed for good. Emits `record-error`, then its strategy acts:
 * - none (or `retry`, whose attempts BullMQ already spent; or the execution no longer live): the
 *   failure goes on to its scope;
 * - `skip`: the node is `skipped`, `recovered`, and its successors run;
 * - `alternative`: the node waits as `recovering` while the alternative runs in its place;
 * - `rollback`: the rest of the scope the failure would fail is cancelled, the node waits as
 *   `recovering` while the compensations run one after the other, in reverse order;
 * - `escalate`: the node waits as `escalated` for an `error.resolved` event.
 * A recovery step's own failure uses no strategy: the failed instance it serves decides. Nor does a
 * coordinator agent's subtask or synthesis, which records no error either: the coordinator fails
 * with it, and that final failure is the one recorded (once, with the strategy that acted).
 */
export function stepFailed(t: Transition, key: string, error: StepError, record: boolean): void {
  const node = t.node(key)!;
  const link = t.hostOf(key);
  if (link?.role === 'part') {
    t.setNode(key, withoutProgress({ ...node, status: 'failed', error }));
    if (record) t.record(key, 'failed', { error });
    t.settled(key);
    return;
  }
  const step = t.step(node.stepId);
  const declared = effectiveStrategy(step, t.options);
  if (link !== undefined) {
    t.setNode(key, withoutProgress({ ...node, status: 'failed', error }));
    if (record) t.record(key, 'failed', { error });
    recordError(t, key, error, declared?.type === 'retry' ? 'retry' : 'none');
    t.settled(key);
    return;
  }
  // A failure of an execution that already failed (or is cancelled) is recorded, not recovered: a retry runs the step again.
  const strategy = t.live && declared !== undefined && declared.type !== 'retry' && usable(t, step, declared) ? declared : undefined;
  if (record && strategy?.type !== 'skip') t.record(key, 'failed', { error });
  recordError(
    t,
    key,
    error,
    declared?.type === 'retry' ? 'retry' : (strategy?.type ?? 'none'),
    strategy?.type === 'escalate' ? strategy.escalationHandler : undefined,
  );
  switch (strategy?.type) {
    case 'skip':
      skipRecovered(t, key, error);
      return;
    case 'alternative':
      t.forget(alternativeKey(key, strategy.alternativeStep));
      t.link(alternativeKey(key, strategy.alternativeStep), key, 'alternative');
      t.setNode(key, { ...withoutProgress(node), status: 'recovering', error, recovery: { strategy: 'alternative', step: strategy.alternativeStep } });
      t.start(alternativeKey(key, strategy.alternativeStep), strategy.alternativeStep);
      return;
    case 'rollback': {
      const steps = [...strategy.rollbackSteps].reverse();
      t.setNode(key, { ...withoutProgress(node), status: 'recovering', error, recovery: { strategy: 'rollback', steps } });
      cancelFailingScope(t, key);
      for (const compensation of steps) t.forget(compensationKey(key, compensation));
      nextCompensation(t, key);
      return;
    }
    case 'escalate':
      t.setNode(key, { ...withoutProgress(node), status: 'escalated', error });
      return;
    default:
      t.failNode(key, error);
  }
}

function recordError(t: Transition, key: string, error: StepError, strategy: RecoveryAction, escalationHandler?: string): void {
  const node = t.node(key)!;
  t.emit({
    type: 'record-error',
    key,
    stepId: node.stepId,
    stepType: t.step(node.stepId).type,
    attempt: node.attempt,
    error,
    strategy,
    ...(escalationHandler ? { escalationHandler } : {}),
    at: t.at,
  });
}

/** The failed step counts as done without output: its successors run, without it in `results`. */
function skipRecovered(t: Transition, key: string, error: StepError): void {
  const node = t.node(key)!;
  t.setNode(key, { stepId: node.stepId, status: 'skipped', attempt: node.attempt, error, recovered: true });
  t.record(key, 'skipped', { error });
  t.settled(key);
}

/** The failed instance `key` succeeds with `output` (its alternative's, or a human's). */
function succeedRecovered(t: Transition, key: string, output: unknown): void {
  const { error: _error, failures: _failures, ...node } = withoutProgress(t.node(key)!);
  t.setNode(key, { ...node, status: 'succeeded', output });
  t.record(key, 'succeeded', { output });
  t.settled(key);
}

/**
 * Before a rollback, cancels every other active instance of the scope the failure would fail: the
 * execution's at the top level; in a branch, every branch of a fail-fast parallel (else the
 * branch); in a loop body, the iteration. The failed instance and its own recovery steps stay.
 */
function cancelFailingScope(t: Transition, key: string): void {
  const spare = (other: string) => other === key || t.hostOf(other)?.host === key;
  const scope = t.workflow.graph.scopeOf.get(t.node(key)!.stepId) ?? TOP_SCOPE;
  if (scope === TOP_SCOPE) {
    t.cancelWhere((other) => !spare(other));
    return;
  }
  const frame = frameOf(key);
  const container = t.workflow.graph.containerOf.get(scope)!;
  const roots = t.kindOf(container).failingRoots?.(t.step(container), scope) ?? [scope];
  for (const root of roots) t.cancelScope(frame, root, spare);
}

/**
 * Starts the first compensation of `key` that has not run yet, unless one is still in flight; once
 * all have settled, the failure goes on with `ROLLED_BACK`. A compensation that failed is recorded
 * and named in the error; the next one runs all the same.
 */
function nextCompensation(t: Transition, key: string): void {
  const node = t.node(key);
  if (node?.status !== 'recovering' || node.recovery?.strategy !== 'rollback') return;
  const { steps } = node.recovery;
  for (const compensation of steps) {
    const compensationNode = t.node(compensationKey(key, compensation));
    if (!compensationNode) {
      t.link(compensationKey(key, compensation), key, 'compensation');
      t.start(compensationKey(key, compensation), compensation);
      return;
    }
    if (!isSettled(compensationNode)) return;
  }
  t.failNode(key, rolledBack(t, key, node, steps));
}

function rolledBack(t: Transition, key: string, node: NodeState, steps: readonly string[]): StepError {
  const original = node.error!;
  const failed = steps.flatMap((compensation) => {
    const run = t.node(compensationKey(key, compensation))!;
    return run.status === 'succeeded' ? [] : [{ step: compensation, error: run.error ?? stepError('CANCELLED', `compensation "${compensation}" did not run`) }];
  });
  const failures = failed.map((f) => `; compensation "${f.step}" failed (${f.error.code}: ${f.error.message})`).join('');
  return stepError(
    'ROLLED_BACK',
    `step "${node.stepId}" failed (${original.code}: ${original.message}); rolled back with ${steps.map((s) => `"${s}"`).join(', ')}${failures}`,
    { error: original, compensations: [...steps], failed },
  );
}

/** A recovery step settled (`t.settled` sends it here): the failed instance it serves moves on. */
export function recoverySettled(t: Transition, key: string): void {
  const hostKey = t.hostOf(key)!.host;
  const host = t.node(hostKey);
  if (host?.status !== 'recovering' || host.recovery === undefined) return;
  if (host.recovery.strategy === 'rollback') {
    if (host.recovery.steps.some((compensation) => compensationKey(hostKey, compensation) === key)) nextCompensation(t, hostKey);
    return;
  }
  if (key !== alternativeKey(hostKey, host.recovery.step)) return;
  const alternative = t.node(key)!;
  // Its output stands in for the failed step's; if it fails too, the original failure goes on.
  if (alternative.status === 'succeeded') succeedRecovered(t, hostKey, alternative.output);
  else if (alternative.status === 'failed') t.failNode(hostKey, host.error!);
}

/** An `error.resolved` event: what a human decided about an escalated step. */
export function resolveError(t: Transition, event: ErrorResolvedEvent): string | undefined {
  const node = t.node(event.key);
  if (node?.status !== 'escalated' || node.attempt !== event.attempt) return `no escalated step run ${event.key} attempt ${event.attempt}`;
  if (!t.live) return `execution is ${t.state.status}`;
  const resolution = event.resolution;
  switch (resolution.action) {
    case 'retry':
      runAgain(t, event.key, node);
      return undefined;
    case 'skip':
      skipRecovered(t, event.key, node.error!);
      return undefined;
    case 'output':
      succeedRecovered(t, event.key, resolution.output);
      return undefined;
    case 'fail':
      t.failNode(event.key, node.error!);
      return undefined;
    default:
      return `unknown resolution ${JSON.stringify((resolution as { action?: unknown }).action)}`;
  }
}

/**
 * Runs an escalated step again under a new attempt. A container starts over: its kind forgets what
 * its children did (their attempts are remembered, so every run is new).
 */
function runAgain(t: Transition, key: string, node: NodeState): void {
  t.kindOf(node.stepId).forgetChildren?.(t, key);
  t.start(key, node.stepId);
}

/** The core's failure path: recovery strategies act on failures, and recovery steps drive what they serve. */
export const failureRules: FailureRules = { stepFailed, recoverySettled };
