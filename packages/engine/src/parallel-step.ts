import { stepError, type ParallelStep, type StepError } from '@agentic-flow/spec';
import { branchChain } from './variables.js';
import { frameOf, instanceKey } from './instance-key.js';
import { continueContainer } from './redrive.js';
import { failContainer, roomFor, tooLarge } from './execution-size.js';
import { DEFAULT_BRANCH_STARTS_PER_TRANSITION } from './decide-options.js';
import type { BranchCounts } from './execution-state.js';
import type { StepKind, Transition } from './transition.js';

/**
 * A parallel step runs its branches (each a root and the chain it reaches) in its own frame, at
 * most `maxConcurrency` at once, and succeeds with `{ [root]: branch output }` once all succeed.
 */
export function launchParallel(t: Transition, key: string, step: ParallelStep, attempt: number): void {
  t.setNode(key, { stepId: step.id, status: 'running', attempt, branches: { started: 0, done: 0, next: 0 } });
  t.record(key, 'running');
  startBranches(t, key, step);
}

/**
 * Fills free branch slots in declaration order, from the first branch not started yet. The node's
 * `branches` counts make this, and telling when all are done, cost O(1) per branch that ends rather
 * than a walk over every branch: a parallel of 100,000 branches stays linear. One transition starts
 * at most `branchStartsPerTransition` branches, of every parallel together (nested parallels would
 * otherwise multiply it); the next transitions start more (see {@link moreLater}).
 */
function startBranches(t: Transition, key: string, step: ParallelStep): void {
  const frame = frameOf(key);
  const roots = step.config.steps;
  const limit = step.config.maxConcurrency ?? Number.POSITIVE_INFINITY;
  for (;;) {
    // Read again each time: a branch can end within its own activation (a skip, a failure) and move the counts.
    const counts = branchCounts(t, key, step);
    if (counts.next >= roots.length || counts.started - counts.done >= limit) break;
    const root = roots[counts.next]!;
    const started = t.node(instanceKey(frame, root)) !== undefined;
    if (!started && branchStartsLeft(t) <= 0) {
      moreLater(t, key);
      return;
    }
    if (!started && !roomFor(t, 1)) {
      // Checked before the counts move: the branch never starts, and the ones running are cancelled.
      failContainer(t, key, frame, tooLarge(t, root));
      return;
    }
    setCounts(t, key, { ...counts, started: counts.started + (started ? 0 : 1), next: counts.next + 1 });
    if (started) continue;
    countBranchStart(t);
    t.activate(frame, root);
    if (t.node(key)?.status !== 'running') return;
  }
  finishIfAllDone(t, key, step);
}

/** The tally of branches this decision started, of every parallel (when the shell shares no budget). */
const BRANCH_STARTS = 'branch-starts';

/** How many more branches this decision may start: what the transaction's budget has left, or this decision's own bound. */
function branchStartsLeft(t: Transition): number {
  const shared = t.options.branchStartBudget;
  if (shared) return shared.remaining;
  return (t.options.branchStartsPerTransition ?? DEFAULT_BRANCH_STARTS_PER_TRANSITION) - t.tally(BRANCH_STARTS, 0);
}

function countBranchStart(t: Transition): void {
  const shared = t.options.branchStartBudget;
  if (shared) shared.remaining -= 1;
  else t.tally(BRANCH_STARTS);
}

/**
 * How long after a transition cut short its `launch` signal is due. Results of running branches start
 * the next slices on their way, so the signal is for when none comes (every branch started so far
 * waits on a timer or a child); a short delay lets the results do it when they can, and keeps the
 * signals of a fast fan-out to a few (each one's delivery is a transaction of its own).
 */
export const LAUNCH_SIGNAL_DELAY_MS = 1_000;
/** A `launch` signal this late is taken as lost (a coordinator down for long): another is asked for. */
const LAUNCH_SIGNAL_OVERDUE_MS = 60_000;

/**
 * This transition started all the branches one may: a `launch` signal brings a transition that
 * starts the next ones, unless one is on its way already. A signal that comes after results started
 * everything finds nothing to start and changes nothing.
 */
function moreLater(t: Transition, key: string): void {
  const node = t.node(key)!;
  if (node.launchDueAt !== undefined && node.launchDueAt > t.at - LAUNCH_SIGNAL_OVERDUE_MS) return;
  const dueAt = t.at + LAUNCH_SIGNAL_DELAY_MS;
  t.setNode(key, { ...node, launchDueAt: dueAt });
  t.emit({ type: 'schedule-signal', key, stepId: node.stepId, attempt: node.attempt, dueAt, signal: { type: 'launch' }, at: t.at });
}

/** The `launch` signal came, or none is known to be on its way (a retry, a restore): the next cut asks for one. */
function clearLaunchDue(t: Transition, key: string): void {
  const { launchDueAt: _due, ...node } = t.node(key)!;
  if (_due !== undefined) t.setNode(key, node);
}

/** The parallel's branch counts, counted again from its branches' nodes when it has none (a state from before they were kept). */
function branchCounts(t: Transition, key: string, step: ParallelStep): BranchCounts {
  const counts = t.node(key)!.branches;
  return counts ? { ...counts } : recount(t, key, step);
}

/** The branch counts as the branches' nodes say: after a retry, a restore or a resume, which may have changed them. */
function recount(t: Transition, key: string, step: ParallelStep): BranchCounts {
  const frame = frameOf(key);
  let started = 0;
  let done = 0;
  let next = -1;
  for (const [index, root] of step.config.steps.entries()) {
    if (!t.node(instanceKey(frame, root))) {
      if (next === -1) next = index;
      continue;
    }
    started += 1;
    if (t.scopeDone(frame, root)) {
      done += 1;
      t.once(`branch-done:${instanceKey(frame, root)}`);
    }
  }
  return { started, done, next: next === -1 ? step.config.steps.length : next };
}

function setCounts(t: Transition, key: string, branches: BranchCounts): void {
  const node = t.node(key)!;
  const current = node.branches;
  if (current && current.started === branches.started && current.done === branches.done && current.next === branches.next) return;
  t.setNode(key, { ...node, branches });
}

/**
 * Picks a running parallel up where it stands (after a retry or a restore): its unfinished branches
 * drive it from here; branches that never started start now, up to `maxConcurrency`.
 */
export function resumeParallel(t: Transition, key: string): void {
  const node = t.node(key);
  if (node?.status !== 'running') return;
  const step = t.step(node.stepId) as ParallelStep;
  clearLaunchDue(t, key);
  setCounts(t, key, recount(t, key, step));
  startBranches(t, key, step);
}

/** A branch moved on: when it ended, count it (once), start the next one, finish the parallel if all did. */
export function branchProgress(t: Transition, frame: string, root: string, parallelKey: string): void {
  const node = t.node(parallelKey)!;
  const step = t.step(node.stepId) as ParallelStep;
  if (!t.scopeDone(frame, root)) return;
  if (node.branches === undefined) {
    // No counts kept (a revived or older state): counted from the nodes, this branch with them.
    setCounts(t, parallelKey, recount(t, parallelKey, step));
  } else {
    // Counted when it ends, once: settling cascades (a step, then the dead paths after it) report an
    // ended branch more than once, and a retry settles again what had ended long before.
    if (!t.changedInScope(frame, root) || !t.once(`branch-done:${instanceKey(frame, root)}`)) return;
    setCounts(t, parallelKey, { ...node.branches, done: node.branches.done + 1 });
  }
  startBranches(t, parallelKey, step);
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
  const roots = step.config.steps;
  const counts = node.branches;
  if (counts && (counts.started < roots.length || counts.done < counts.started)) return;
  // The counts say all are done: the branches' nodes decide, once (and set the counts right if they drifted).
  if (!roots.every((root) => t.node(instanceKey(frame, root)) && t.scopeDone(frame, root))) {
    setCounts(t, key, recount(t, key, step));
    return;
  }
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
  else t.setOverlay(outer, { ...t.state.overlays[outer], ...merged });
}

function dropOverlays(t: Transition, frame: string, step: ParallelStep): void {
  for (const root of step.config.steps) t.setOverlay(instanceKey(frame, root), undefined);
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
  signalled(t, key, signal) {
    if (signal.type !== 'launch') return `a parallel step takes no ${signal.type} signal`;
    const node = t.node(key);
    if (node?.status !== 'running') return `parallel ${key} is not running (it is ${node?.status ?? 'absent'})`;
    clearLaunchDue(t, key);
    // Paused: `resumed` starts them.
    if (t.state.status !== 'running') return `execution is ${t.state.status}`;
    startBranches(t, key, t.step(node.stepId) as ParallelStep);
    return undefined;
  },
  // Branches left unstarted while paused: the `launch` signal that came meanwhile was ignored.
  resumed(t, key, node) {
    if (node.status !== 'running') return;
    clearLaunchDue(t, key);
    startBranches(t, key, t.step(node.stepId) as ParallelStep);
  },
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
    for (const root of step.config.steps) t.setOverlay(instanceKey(frame, root), undefined);
  },
};
