import { stepError, type ParallelStep, type StepError } from '@agentic-flow/spec';
import { branchChain } from './variables.js';
import { frameOf, instanceKey } from './instance-key.js';
import { continueContainer } from './redrive.js';
import type { StepKind, Transition } from './transition.js';

/**
 * A parallel step runs its branches (each a root and the chain it reaches) in its own frame, at
 * most `maxConcurrency` at once, and succeeds with `{ [root]: branch output }` once all succeed.
 */
export function launchParallel(t: Transition, key: string, step: ParallelStep, attempt: number): void {
  t.setNode(key, { stepId: step.id, status: 'running', attempt });
  t.record(key, 'running');
  startBranches(t, key, step);
}

/** Fills free branch slots in declaration order. */
function startBranches(t: Transition, key: string, step: ParallelStep): void {
  const frame = frameOf(key);
  const limit = step.config.maxConcurrency ?? Number.POSITIVE_INFINITY;
  let running = 0;
  for (const root of step.config.steps) {
    if (t.node(instanceKey(frame, root)) && !t.scopeDone(frame, root)) running += 1;
  }
  for (const root of step.config.steps) {
    if (running >= limit) break;
    if (t.node(instanceKey(frame, root))) continue;
    t.activate(frame, root);
    running += 1;
  }
  finishIfAllDone(t, key, step);
}

/**
 * Picks a running parallel up where it stands (after a retry or a restore): its unfinished branches
 * drive it from here; branches that never started start now, up to `maxConcurrency`.
 */
export function resumeParallel(t: Transition, key: string): void {
  const node = t.node(key);
  if (node?.status !== 'running') return;
  startBranches(t, key, t.step(node.stepId) as ParallelStep);
}

/** A branch moved on: start the next one if it ended, finish the parallel if all did. */
export function branchProgress(t: Transition, frame: string, root: string, parallelKey: string): void {
  const step = t.step(t.node(parallelKey)!.stepId) as ParallelStep;
  if (t.scopeDone(frame, root)) startBranches(t, parallelKey, step);
}

/**
 * A step in a branch failed. Fail fast (the default): cancel every branch and fail now; late results
 * of the cancelled steps are ignored. Otherwise note it and let the other branches run.
 */
export function branchFailed(t: Transition, frame: string, root: string, parallelKey: string, failedKey: string, error: StepError): void {
  const parallel = t.node(parallelKey)!;
  const step = t.step(parallel.stepId) as ParallelStep;
  if (step.config.failFast) {
    for (const branch of step.config.steps) t.cancelScope(frame, branch);
    // The branches' overlays stay: a retry reuses the steps that succeeded, and so their updates.
    t.fail(
      parallelKey,
      stepError(error.code, `branch "${root}" failed at step "${t.node(failedKey)!.stepId}": ${error.message}`, { branch: root, ...(error.details ?? {}) }),
    );
    return;
  }
  t.setNode(parallelKey, { ...parallel, failures: [...(parallel.failures ?? []), { branch: root, error }] });
  // The rest of this branch is skipped (dead paths), so the branch, and then the parallel, can end.
  t.settled(failedKey);
}

function finishIfAllDone(t: Transition, key: string, step: ParallelStep): void {
  const frame = frameOf(key);
  const node = t.node(key)!;
  if (node.status !== 'running') return;
  if (!step.config.steps.every((root) => t.node(instanceKey(frame, root)) && t.scopeDone(frame, root))) return;
  // Reported in branch order, not finishing order, so the same failures always read the same.
  const order = step.config.steps;
  const failures = [...(node.failures ?? [])].sort((a, b) => order.indexOf(a.branch) - order.indexOf(b.branch));
  if (failures.length > 0) {
    // Overlays stay for a retry, as with fail fast.
    const list = failures.map((f) => `${f.branch}: ${f.error.code} ${f.error.message}`).join('; ');
    t.fail(key, stepError('BRANCH_FAILED', `${failures.length} of ${step.config.steps.length} branches failed: ${list}`, { failures }));
    return;
  }
  mergeOverlays(t, key, step);
  t.succeed(key, Object.fromEntries(step.config.steps.map((root) => [root, t.scopeOutput(frame, root)])));
}

/**
 * The deterministic rule for variables set in parallel branches: each branch sees its own updates
 * at once; at the join, branches' updates are merged in the order of `config.steps`, so when two
 * branches set the same variable the later-listed branch wins, whatever finished first.
 */
function mergeOverlays(t: Transition, key: string, step: ParallelStep): void {
  const frame = frameOf(key);
  const merged: Record<string, unknown> = {};
  for (const root of step.config.steps) Object.assign(merged, t.state.overlays[instanceKey(frame, root)]);
  dropOverlays(t, frame, step);
  if (Object.keys(merged).length === 0) return;
  const [outer] = branchChain(t.workflow, frame, step.id);
  if (outer === undefined) t.state.variables = { ...t.state.variables, ...merged };
  else t.state.overlays[outer] = { ...t.state.overlays[outer], ...merged };
}

function dropOverlays(t: Transition, frame: string, step: ParallelStep): void {
  for (const root of step.config.steps) delete t.state.overlays[instanceKey(frame, root)];
}

/** The running parallel instance whose branch `scope` in `frame` is. */
function runningParallel(t: Transition, frame: string, scope: string): string | undefined {
  const parallelKey = instanceKey(frame, t.workflow.graph.containerOf.get(scope)!);
  return t.node(parallelKey)?.status === 'running' ? parallelKey : undefined;
}

/** A parallel is a container the coordinator drives: its branches run side by side in its frame. */
export const parallelKind: StepKind<ParallelStep> = {
  launch: launchParallel,
  redrive: (t, key) => resumeParallel(t, key),
  scopeProgress(t, frame, scope) {
    const parallelKey = runningParallel(t, frame, scope);
    if (parallelKey !== undefined) branchProgress(t, frame, scope, parallelKey);
  },
  scopeFailed(t, frame, scope, failedKey, error) {
    const parallelKey = runningParallel(t, frame, scope);
    if (parallelKey !== undefined) branchFailed(t, frame, scope, parallelKey, failedKey, error);
  },
  // Fail fast: a failure in one branch fails them all.
  failingRoots: (step, scope) => (step.config.failFast ? step.config.steps : [scope]),
  revive: continueContainer,
  // Starting over: what its branches did is forgotten (their attempts are remembered), and their overlays.
  forgetChildren(t, key) {
    const step = t.step(t.node(key)!.stepId) as ParallelStep;
    const frame = frameOf(key);
    const covers = step.config.steps.map((root) => t.scopeCovers(frame, root));
    for (const other of Object.keys(t.state.nodes)) if (covers.some((c) => c(other))) t.forget(other);
    for (const root of step.config.steps) delete t.state.overlays[instanceKey(frame, root)];
  },
};
