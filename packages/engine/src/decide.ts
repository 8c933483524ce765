import type { EngineCommand, EvaluateCommand } from './commands.js';
import type { CompiledWorkflow } from './compiled-workflow.js';
import type { DecideOptions } from './decide-options.js';
import type { EngineEvent, ExpressionEvent, SignalEvent, StepResultEvent } from './events.js';
import type { ExecutionState } from './execution-state.js';
import { pause, resumePaused } from './pause.js';
import { failureRules, resolveError } from './recovery.js';
import { restore } from './restore.js';
import { retry } from './retry.js';
import { STEP_KINDS } from './step-kinds.js';
import { Transition } from './transition.js';
import { addUsage } from './usage.js';

export type { DecideOptions } from './decide-options.js';

export interface Decision {
  state: ExecutionState;
  commands: EngineCommand[];
  /** Set when the event changed nothing, saying why (a late result, a pause of a finished run…). */
  ignored?: string;
}

/**
 * The engine: `(workflow, state, event) → (state, commands)`. Pure — no I/O, no clock, no
 * randomness — and it never mutates `state` (it works on a copy; `openDecision` is the in-place form): the caller persists the new state and carries out the
 * commands (record step runs and errors, enqueue jobs after commit, evaluate expressions and answer
 * with an `expression.evaluated` event). `options.strategies` are the recovery strategies registered
 * for this execution's workflow's step ids and for step types; a step's own `onError` wins over them.
 *
 * @example
 * const { state, commands } = decide(workflow, createExecutionState(options), { type: 'start', at: Date.now() });
 */
export function decide(workflow: CompiledWorkflow, state: ExecutionState, event: EngineEvent, options: DecideOptions = {}): Decision {
  const t = new Transition(workflow, ownCopy(state), event.at, STEP_KINDS, failureRules, options);
  const ignored = apply(t, event);
  if (ignored !== undefined) return { state, commands: [], ignored };
  t.completeIfDone();
  return { state: t.state, commands: t.commands };
}

/**
 * A copy of `state` a transition may change in place (its records; nodes themselves are replaced,
 * never changed): what keeps `decide` pure. It costs the size of the execution, which
 * `openDecision` avoids.
 */
function ownCopy(state: ExecutionState): ExecutionState {
  return { ...state, nodes: { ...state.nodes }, overlays: { ...state.overlays } };
}

/** Applies the event to the working copy; returns why it was ignored, if it was. */
function apply(t: Transition, event: EngineEvent): string | undefined {
  switch (event.type) {
    case 'start':
      if (!t.lifecycle('START')) return `cannot start an execution that is ${t.state.status}`;
      t.state.startedAt = event.at;
      for (const stepId of t.workflow.graph.entries.get('') ?? []) t.activate('', stepId);
      return undefined;
    case 'step.succeeded':
    case 'step.failed':
      return applyResult(t, event);
    case 'expression.evaluated':
      return applyExpression(t, event);
    case 'pause':
      return pause(t);
    case 'resume':
      // One public event, two lifecycle moves: continue a paused execution, or retry a failed one.
      return t.state.status === 'failed' ? retry(t) : resumePaused(t);
    case 'restore':
      return restore(t, event.snapshot);
    case 'cancel':
      if (!t.lifecycle('CANCEL')) return `cannot cancel an execution that is ${t.state.status}`;
      t.cancelWhere(() => true);
      t.settle();
      return undefined;
    case 'error.resolved':
      return resolveError(t, event);
    case 'step.signal':
      return applySignal(t, event);
  }
}

function applyResult(t: Transition, event: StepResultEvent): string | undefined {
  const node = t.node(event.key);
  if (node?.status !== 'queued' || node.attempt !== event.attempt) {
    return `no queued step run ${event.key} attempt ${event.attempt} (late or duplicate result)`;
  }
  if (t.state.status === 'completed' || t.state.status === 'cancelled') return `execution is ${t.state.status}`;
  // Tokens of every run the engine applies count, failed or not; an ignored result's count nowhere.
  if (event.usage) t.state.usage = addUsage(t.state.usage, event.usage);
  if (event.type === 'step.failed') {
    t.fail(event.key, event.error, false);
    return undefined;
  }
  const kind = t.kindOf(node.stepId);
  if (kind.succeeded) kind.succeeded(t, event.key, event);
  else t.resultSucceeded(event.key, event);
  return undefined;
}

function applyExpression(t: Transition, event: ExpressionEvent): string | undefined {
  const node = t.node(event.key);
  if (!t.live) return `execution is ${t.state.status}`;
  if (node === undefined) return `no step ${event.key} waits for an expression`;
  // An answer computed for an earlier attempt or iteration (a late or repeated evaluation) is stale.
  if (event.attempt !== undefined && node.attempt !== event.attempt) return `step ${event.key} is at attempt ${node.attempt}, not ${event.attempt}`;
  const kind = t.kindOf(node.stepId);
  return kind.evaluated ? kind.evaluated(t, event.key, event) : `step ${event.key} asks for no expression`;
}

/** A timer or child execution came back to the step run it was for; a late one (another attempt, a settled run) is ignored. */
function applySignal(t: Transition, event: SignalEvent): string | undefined {
  const node = t.node(event.key);
  if (node?.attempt !== event.attempt) return `no step run ${event.key} attempt ${event.attempt}`;
  if (t.state.status === 'completed' || t.state.status === 'cancelled') return `execution is ${t.state.status}`;
  const kind = t.kindOf(node.stepId);
  return kind.signalled ? kind.signalled(t, event.key, event.signal) : `step ${event.key} takes no signal`;
}

/**
 * A transition that takes more than one event: the shell applies an event, answers the `evaluate`
 * commands it emitted (as `expression.evaluated` events) as long as it likes, and then finishes.
 *
 * Unlike `decide`, it changes the state it is given in place (its `nodes` and `overlays` records,
 * and loops' output lists; top-level fields are copied), so a transition costs what it changes
 * however large the execution: the caller must own that state, and hand it to no one else until
 * it either keeps the result or calls `revert`, which puts the state back exactly as it was.
 */
export interface DecisionSession {
  /** Applies an event; returns why it was ignored, if it was. */
  apply(event: EngineEvent): string | undefined;
  /** Every command emitted so far, in order, `evaluate` commands included. */
  readonly commands: readonly EngineCommand[];
  /** Completes the execution if nothing is left active, and returns the new state. */
  finish(): ExecutionState;
  /** Undoes every change to the state this session was opened on (the returned state is then void). */
  revert(): void;
  /** The keys of the nodes changed so far (a key now absent was removed), or `all`: what to write. */
  changedNodes(): ReadonlySet<string> | 'all';
}

export function openDecision(workflow: CompiledWorkflow, state: ExecutionState, at: number, options: DecideOptions = {}): DecisionSession {
  const t = new Transition(workflow, state, at, STEP_KINDS, failureRules, options);
  return {
    apply: (event) => apply(t, event),
    commands: t.commands,
    finish: () => {
      t.completeIfDone();
      return t.state;
    },
    revert: () => t.revert(),
    changedNodes: () => t.changedNodes(),
  };
}

/**
 * The `evaluate` commands of every node waiting for an expression's answer (a condition evaluating,
 * a loop at its condition or break condition): what to ask again when the answer was lost (the
 * coordinator evaluating it went down). Answering twice is harmless: the second answer is stale.
 */
export function pendingEvaluations(workflow: CompiledWorkflow, state: ExecutionState, at: number): EvaluateCommand[] {
  const t = new Transition(workflow, state, at, STEP_KINDS, failureRules);
  const commands: EvaluateCommand[] = [];
  if (!t.live) return commands;
  for (const [key, node] of Object.entries(state.nodes)) {
    const pending = t.kindOf(node.stepId).pendingEvaluations?.(t, key, t.step(node.stepId), node);
    if (pending) commands.push(...pending);
  }
  return commands;
}
