import { TOP_SCOPE, stepError, type StepError } from '@agentic-flow/spec';
import { DEFAULT_MAX_STEPS_PER_EXECUTION } from './decide-options.js';
import type { CompiledWorkflow } from './compiled-workflow.js';
import type { DecideOptions } from './decide-options.js';
import { ACTIVE_NODE_STATUSES, type ExecutionState, type HostLink, type NodeState } from './execution-state.js';
import { frameOf } from './instance-key.js';

/**
 * What of a transition the size rules use: named here rather than imported, since the transition
 * calls these rules (an import back would be a cycle).
 */
interface Transition {
  readonly state: ExecutionState;
  readonly options: DecideOptions;
  readonly workflow: CompiledWorkflow;
  node(key: string): NodeState | undefined;
  hostOf(key: string): HostLink | undefined;
  containerKeyIn(frame: string, scope: string): string | undefined;
  cancelScope(frame: string, root: string): void;
  fail(key: string, error: StepError): void;
  failExecution(stepId: string, error: StepError): void;
}

/**
 * The cap on one execution's step instances (`DecideOptions.maxStepsPerExecution`). A parallel of
 * huge `config.steps` or loops nested in loops could otherwise grow `nodes` without bound. The
 * count is `state.nodeCount`, kept by the transition's node writes, so each check is O(1); the
 * container about to create a node past the limit fails instead, before it creates it.
 */
export function roomFor(t: Transition, n: number): boolean {
  return (t.state.nodeCount ?? 0) + n <= limitOf(t);
}

function limitOf(t: Transition): number {
  return t.options.maxStepsPerExecution ?? DEFAULT_MAX_STEPS_PER_EXECUTION;
}

/** The error of a container that would take the execution past the limit by starting `stepId`. */
export function tooLarge(t: Transition, stepId: string): StepError {
  const nodes = t.state.nodeCount ?? 0;
  const limit = limitOf(t);
  return stepError(
    'EXECUTION_TOO_LARGE',
    `execution ${t.state.executionId} holds ${nodes} step instances; starting "${stepId}" would pass the limit of ${limit} (MAX_STEPS_PER_EXECUTION)`,
    { nodes, limit, stepId },
  );
}

/**
 * Fails container instance `key` (its recovery strategy acts as for any failure) after cancelling
 * what its branches or body still run in `frame`: nothing of it may go on creating nodes.
 */
export function failContainer(t: Transition, key: string, frame: string, error: StepError): void {
  const container = t.node(key)!.stepId;
  for (const [scope, owner] of t.workflow.graph.containerOf) if (owner === container) t.cancelScope(frame, scope);
  t.fail(key, error);
}

/**
 * No room for a node at `key`, and no container checked first (a step further along a branch or
 * body, a dead path's skip): the container it would run in fails. At the top level (or for a
 * recovery step) there is no node to fail without passing the limit, so the execution fails,
 * naming the step.
 */
export function refuseNode(t: Transition, key: string, stepId: string): void {
  const error = tooLarge(t, stepId);
  const scope = t.workflow.graph.scopeOf.get(stepId) ?? TOP_SCOPE;
  const frame = frameOf(key);
  const container = scope === TOP_SCOPE || t.hostOf(key) ? undefined : t.containerKeyIn(frame, scope);
  const node = container === undefined ? undefined : t.node(container);
  if (container !== undefined && node !== undefined && ACTIVE_NODE_STATUSES.has(node.status)) failContainer(t, container, frame, error);
  else t.failExecution(stepId, error);
}
