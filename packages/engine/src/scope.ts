import { ALL_RESULTS, type ResultReads, type TemplateScope } from '@agentic-flow/spec';
import type { ExpressionScopePayload, StepContextPayload } from './commands.js';
import type { CompiledWorkflow } from './compiled-workflow.js';
import type { ExecutionState, NodeState } from './execution-state.js';
import { stepsStandingIn } from './frame-steps.js';
import { frameOf, instanceKey, parseIterationFrame, scopeAnchor } from './instance-key.js';

/** True when `frame` is `ancestor` or lies inside it. */
function within(frame: string, ancestor: string): boolean {
  return ancestor === '' || frame === ancestor || frame.startsWith(`${ancestor}/`);
}

/**
 * The outputs a step in `frame` can read, by step id: succeeded instances in its own frame and the
 * frames enclosing it. An inner frame's instance shadows an outer one of the same step. Recovery
 * steps and a coordinator agent's subtasks and synthesis are never results of their own: the
 * instance they serve holds the output that counts. With `reads` listing step ids, only those are
 * looked up (a few lookups per frame level, whatever the size of the execution). Reading all of
 * them, `workflow` tells which steps can stand in each enclosing frame, so only those are looked up
 * too; without it (a reader holding only the state) every node is walked.
 */
export function visibleResults(
  state: ExecutionState,
  stepFrame: string,
  reads: ResultReads = ALL_RESULTS,
  workflow?: CompiledWorkflow,
): Record<string, unknown> {
  return visible(state, stepFrame, reads, workflow, (node) => node.output);
}

/**
 * What the visible succeeded instances reported beside their results, by step id (`steps` in a
 * scope): an http step's response status and headers. Steps that reported nothing are absent.
 */
export function visibleStepReports(
  state: ExecutionState,
  stepFrame: string,
  reads: ResultReads = ALL_RESULTS,
  workflow?: CompiledWorkflow,
): Record<string, unknown> {
  return visible(state, stepFrame, reads, workflow, (node) => node.response);
}

/** One value per visible succeeded instance (see {@link visibleResults}), `pick`ed from its node; undefined leaves the step out. */
function visible(
  state: ExecutionState,
  stepFrame: string,
  reads: ResultReads,
  workflow: CompiledWorkflow | undefined,
  pick: (node: NodeState) => unknown,
): Record<string, unknown> {
  // A recovery step's pseudo-frame reads what the failed instance reads.
  const frame = scopeAnchor(stepFrame, '').frame;
  if (!reads.all) return readVisible(state, frame, reads.steps, pick);
  return workflow === undefined ? walkVisible(state, frame, pick) : lookUpVisible(state, frame, workflow, pick);
}

/** Every step that can stand in `frame` or a frame enclosing it, looked up innermost frame first. */
function lookUpVisible(state: ExecutionState, frame: string, workflow: CompiledWorkflow, pick: (node: NodeState) => unknown): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  const shadowed = new Set<string>();
  for (let f = frame; ; f = frameOf(f)) {
    for (const stepId of stepsStandingIn(workflow, f)) {
      if (shadowed.has(stepId)) continue;
      const key = instanceKey(f, stepId);
      const node = state.nodes[key];
      if (node?.status !== 'succeeded' || node.stepId !== stepId || state.hosts?.[key] !== undefined) continue;
      shadowed.add(stepId);
      const value = pick(node);
      if (value !== undefined) found[stepId] = value;
    }
    if (f === '') return found;
  }
}

/** Every node of the execution, for a reader without the definition. */
function walkVisible(state: ExecutionState, frame: string, pick: (node: NodeState) => unknown): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  const depth: Record<string, number> = {};
  for (const [key, node] of Object.entries(state.nodes)) {
    if (node.status !== 'succeeded') continue;
    const nodeFrame = frameOf(key);
    if (!within(frame, nodeFrame) || state.hosts?.[key] !== undefined) continue;
    const d = nodeFrame.length;
    if ((depth[node.stepId] ?? -1) <= d) {
      depth[node.stepId] = d;
      const value = pick(node);
      if (value === undefined) delete found[node.stepId];
      else found[node.stepId] = value;
    }
  }
  return found;
}

function readVisible(state: ExecutionState, frame: string, steps: ReadonlySet<string>, pick: (node: NodeState) => unknown): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  if (steps.size === 0) return found;
  const frames = [frame];
  for (let f = frame; f !== ''; ) frames.push((f = frameOf(f)));
  for (const stepId of steps) {
    for (const f of frames) {
      const node = state.nodes[instanceKey(f, stepId)];
      if (node?.status === 'succeeded' && node.stepId === stepId) {
        const value = pick(node);
        if (value !== undefined) found[stepId] = value;
        break;
      }
    }
  }
  return found;
}

/**
 * `{ iteration }` of the innermost loop around `frame` (its innermost `loop#i` segment, so a
 * recovery step's pseudo-frame inside an iteration has it too), or undefined outside loops.
 */
export function loopInfo(frame: string): { iteration: number } | undefined {
  const segments = frame === '' ? [] : frame.split('/');
  for (let i = segments.length - 1; i >= 0; i--) {
    const parsed = parseIterationFrame(segments[i]!);
    if (parsed) return { iteration: parsed.iteration };
  }
  return undefined;
}

export function executionInfo(state: ExecutionState): StepContextPayload['execution'] {
  return { id: state.executionId, workflowId: state.workflowId, workflowVersion: state.workflowVersion };
}

/**
 * What expressions, templates and scripts see. `resultsFrame` is where results are read from (a
 * loop's break condition reads the iteration just finished); `variables` is the instance's view;
 * the results and the `steps` entries are those step `stepId`'s code reads (`CompiledWorkflow.resultReads`).
 */
export function scopeFor(
  workflow: CompiledWorkflow,
  state: ExecutionState,
  resultsFrame: string,
  stepId: string,
  variables: Record<string, unknown>,
  loop: { iteration: number } | undefined,
): ExpressionScopePayload {
  const results = visibleResults(state, resultsFrame, workflow.resultReads(stepId), workflow);
  const scope: ExpressionScopePayload = { results, variables, input: state.input, execution: executionInfo(state) };
  // Left out when empty (most steps read no `steps`): the sandbox and the interpreter read it as `{}`.
  const steps = visibleStepReports(state, resultsFrame, workflow.stepReads(stepId), workflow);
  if (Object.keys(steps).length > 0) scope.steps = steps;
  if (loop) scope.loop = loop;
  return scope;
}

export function templateScope(scope: ExpressionScopePayload, state: ExecutionState): TemplateScope {
  return {
    ...scope,
    execution: { ...scope.execution, startedAt: state.startedAt === null ? null : new Date(state.startedAt).toISOString() },
  };
}
