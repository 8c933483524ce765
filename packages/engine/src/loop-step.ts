import { stepError, type LoopStep, type StepError } from '@agentic-flow/spec';
import type { EvaluateCommand } from './commands.js';
import { expressionFailure, warnUndefined } from './decision-warnings.js';
import type { ExpressionEvent, ExpressionOutcome, ExpressionPurpose } from './events.js';
import type { NodeState } from './execution-state.js';
import { frameOf, instanceKey, iterationFrame } from './instance-key.js';
import { continueContainer } from './redrive.js';
import { roomFor, tooLarge } from './execution-size.js';
import type { StepKind, Transition } from './transition.js';

/**
 * A loop runs its body (a step, or the root of a chain) once per iteration, each in a frame of its
 * own (`loop#i`), so every iteration's steps are their own step runs. Before each iteration it checks
 * `condition`, after each `breakCondition`; `maxIterations` is a hard limit. Its output lists every
 * iteration's output.
 */
export function launchLoop(t: Transition, key: string, step: LoopStep, attempt: number): void {
  t.setNode(key, { stepId: step.id, status: 'running', attempt, iteration: 0, recorded: 0 });
  t.record(key, 'running');
  nextIteration(t, key, step);
}

function nextIteration(t: Transition, key: string, step: LoopStep): void {
  const node = t.node(key)!;
  const iteration = node.iteration ?? 0;
  if (step.config.condition === undefined) {
    beginIteration(t, key, step);
    return;
  }
  t.setNode(key, { ...node, awaiting: 'loop-condition' });
  t.emit(loopEvaluation(t, key, step, 'loop-condition', node.attempt, iteration)!);
}

/**
 * The `evaluate` command of loop `key` waiting for `purpose` at `iteration`: its condition before the
 * iteration reads the results of the one before it, its break condition those of the iteration just
 * finished. Undefined when the loop has no such expression.
 */
export function loopEvaluation(
  t: Transition,
  key: string,
  step: LoopStep,
  purpose: 'loop-condition' | 'loop-break',
  attempt: number,
  iteration: number,
): EvaluateCommand | undefined {
  const expression = purpose === 'loop-condition' ? step.config.condition : step.config.breakCondition;
  if (expression === undefined) return undefined;
  const resultsFrame = purpose === 'loop-break' ? iterationFrame(key, iteration) : iteration === 0 ? frameOf(key) : iterationFrame(key, iteration - 1);
  const scope = { ...t.scopeOf(frameOf(key), step.id, resultsFrame), loop: { iteration } };
  return { type: 'evaluate', key, purpose, attempt, iteration, expression, scope, at: t.at };
}

function beginIteration(t: Transition, key: string, step: LoopStep): void {
  const node = t.node(key)!;
  const iteration = node.iteration ?? 0;
  if (iteration >= step.config.maxIterations) {
    if (step.config.onMaxIterations === 'complete') t.succeed(key, loopOutputs(t, key, step, node));
    else
      t.fail(
        key,
        stepError('LOOP_LIMIT', `loop "${step.id}" reached maxIterations (${step.config.maxIterations}) and its condition still holds`, {
          maxIterations: step.config.maxIterations,
        }),
      );
    return;
  }
  // The iteration's first body node would pass MAX_STEPS_PER_EXECUTION: the loop fails before it, its earlier iterations kept.
  if (!roomFor(t, 1)) {
    t.fail(key, tooLarge(t, step.config.loopStep));
    return;
  }
  const { awaiting: _awaiting, ...running } = node;
  t.setNode(key, running);
  t.activate(iterationFrame(key, iteration), step.config.loopStep);
}

/** The answer to a `loop-condition` or `loop-break` evaluation. */
export function loopEvaluated(t: Transition, key: string, purpose: ExpressionPurpose, outcome: ExpressionOutcome): void {
  const node = t.node(key)!;
  const step = t.step(node.stepId) as LoopStep;
  if (!outcome.ok) {
    t.fail(key, expressionFailure(step, purpose, outcome.error));
    return;
  }
  if (purpose === 'loop-condition') {
    if (outcome.truthy) beginIteration(t, key, step);
    else t.succeed(key, loopOutputs(t, key, step, node));
    return;
  }
  if (outcome.truthy) t.succeed(key, loopOutputs(t, key, step, node));
  else {
    const { awaiting: _awaiting, ...rest } = node;
    t.setNode(key, { ...rest, iteration: (node.iteration ?? 0) + 1 });
    nextIteration(t, key, step);
  }
}

/** A body step settled: when the whole iteration has, record its output and decide what comes next. */
export function iterationProgress(t: Transition, frame: string, root: string): void {
  const { loopKey, iteration } = t.loopOfFrame(frame);
  const node = t.node(loopKey);
  if (node?.status !== 'running' || node.iteration !== iteration || node.awaiting !== undefined) return;
  // Its output already recorded: the iteration ended and the loop is (or was, before it failed) at its break condition.
  if (recordedOf(node) > iteration) return;
  if (!t.scopeDone(frame, root)) return;
  const step = t.step(node.stepId) as LoopStep;
  iterationDone(t, loopKey, step, { ...node, recorded: iteration + 1 });
}

/**
 * How many iterations ended with their output recorded: `recorded`, or in a state from before it
 * was kept, the length of the `outputs` list such a state held.
 */
function recordedOf(node: NodeState): number {
  return node.recorded ?? node.outputs?.length ?? 0;
}

/**
 * Every recorded iteration's output, in order, read from the iterations' own nodes when the loop
 * ends. The loop node keeps only a count, so writing its progress costs the same at iteration
 * 100,000 as at the first; an older state's `outputs` list is used as far as it goes.
 */
function loopOutputs(t: Transition, key: string, step: LoopStep, node: NodeState): unknown[] {
  const outputs: unknown[] = [];
  const kept = node.outputs ?? [];
  for (let i = 0; i < recordedOf(node); i++) outputs.push(i < kept.length ? kept[i] : t.scopeOutput(iterationFrame(key, i), step.config.loopStep));
  return outputs;
}

/** Iteration `node.iteration` is over and its output is recorded: break, or go on. */
function iterationDone(t: Transition, key: string, step: LoopStep, node: NodeState): void {
  const iteration = node.iteration ?? 0;
  if (step.config.breakCondition !== undefined) {
    t.setNode(key, { ...node, awaiting: 'loop-break' });
    t.emit(loopEvaluation(t, key, step, 'loop-break', node.attempt, iteration)!);
    return;
  }
  t.setNode(key, { ...node, iteration: iteration + 1 });
  nextIteration(t, key, step);
}

/**
 * Picks a running loop up where it stands (after a retry or a restore). Where it stopped is read
 * from its progress, as a failed or cancelled loop no longer says what it was waiting for:
 * - an iteration's output recorded but the iteration not counted: it stopped at `breakCondition`,
 *   which is asked again;
 * - the current iteration started: its steps drive the loop (it moves on if they are all done);
 * - otherwise it stopped before the iteration (its `condition` failed, or `maxIterations`):
 *   `condition` and the limit are checked again, and may fail it again.
 */
export function resumeLoop(t: Transition, key: string): void {
  const node = t.node(key);
  if (node?.status !== 'running') return;
  const step = t.step(node.stepId) as LoopStep;
  const { awaiting, ...rest } = node;
  const iteration = node.iteration ?? 0;
  t.setNode(key, rest);
  if (awaiting === 'loop-break' || recordedOf(node) > iteration) {
    iterationDone(t, key, step, rest);
    return;
  }
  const frame = iterationFrame(key, iteration);
  if (awaiting !== 'loop-condition' && t.node(instanceKey(frame, step.config.loopStep))) iterationProgress(t, frame, step.config.loopStep);
  else nextIteration(t, key, step);
}

/** A body step failed: the iteration stops (its other steps are cancelled) and the loop fails. */
export function iterationFailed(t: Transition, frame: string, root: string, error: StepError): void {
  const { loopKey, iteration } = t.loopOfFrame(frame);
  const node = t.node(loopKey);
  if (node?.status !== 'running') return;
  t.cancelScope(frame, root);
  t.fail(loopKey, { ...error, message: `loop "${node.stepId}" iteration ${iteration}: ${error.message}` });
}

/** A loop is a container the coordinator drives, iteration after iteration. */
export const loopKind: StepKind<LoopStep> = {
  launch: launchLoop,
  evaluated(t: Transition, key: string, event: ExpressionEvent): string | undefined {
    const node = t.node(key);
    if (node?.status !== 'running' || node.awaiting !== event.purpose) return `loop ${key} is not waiting for its ${event.purpose}`;
    if (event.iteration !== undefined && (node.iteration ?? 0) !== event.iteration)
      return `loop ${key} is at iteration ${node.iteration ?? 0}, not ${event.iteration}`;
    if (event.outcome.ok && event.outcome.warning !== undefined) warnUndefined(t, key, event.purpose, event.outcome.warning);
    loopEvaluated(t, key, event.purpose, event.outcome);
    return undefined;
  },
  pendingEvaluations(t, key, step, node) {
    if (node.status !== 'running' || node.awaiting === undefined) return [];
    const command = loopEvaluation(t, key, step, node.awaiting, node.attempt, node.iteration ?? 0);
    return command ? [command] : [];
  },
  redrive: (t, key) => resumeLoop(t, key),
  scopeProgress: iterationProgress,
  scopeFailed: (t, frame, scope, _failedKey, error) => iterationFailed(t, frame, scope, error),
  revive: continueContainer,
  // Starting over: what its iterations did is forgotten (their attempts are remembered).
  forgetChildren(t, key) {
    for (const other of Object.keys(t.state.nodes)) if (other.startsWith(`${key}#`)) t.forget(other);
  },
};
