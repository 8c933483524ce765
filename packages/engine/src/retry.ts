import { ACTIVE_NODE_STATUSES, type NodeState } from './execution-state.js';
import { frameOf, instanceKey } from './instance-key.js';
import { launchReady, redrive, reenqueue } from './redrive.js';
import type { Transition } from './transition.js';

/**
 * Resume a failed execution (failed → running, the lifecycle's RETRY): run again what failed and
 * reuse what succeeded. In every frame:
 * - a failed or cancelled work or condition step runs again under a new attempt (a new step run,
 *   so a late result of the old one is ignored);
 * - a failed or cancelled parallel or loop runs again (a new step run, recorded `running`) from
 *   where it stood: its children drive it, a parallel starts branches that never started, a loop
 *   asks again for the expression it failed on (see `resumeLoop`);
 * - steps skipped because of a failure (downstream of it in a branch that does not fail fast) are
 *   forgotten, so the scheduler considers them once their predecessors settle again; steps skipped
 *   on the untaken side of a condition stay skipped;
 * - succeeded steps are never touched, nor are escalated steps (they wait for their resolution),
 *   recovering ones (their alternative or compensations drive them) or delegating coordinator
 *   agents (their subtasks and synthesis drive them; one whose plan came while the execution was
 *   failed starts its subtasks now);
 * - a failed or cancelled coordinator agent plans again (its subtasks and synthesis are forgotten
 *   when its plan starts);
 * - failed or cancelled recovery steps (alternatives, compensations) and agent parts (subtasks,
 *   syntheses) are not run again on their own: the step they served does, and its strategy (or
 *   its next plan) starts them afresh.
 * Then it catches up with what happened while the execution was failed and did not move on:
 * results recorded then were not followed, expressions asked for then were not answered.
 */
export function retry(t: Transition): string | undefined {
  if (!t.lifecycle('RETRY')) return `cannot resume an execution that is ${t.state.status}`;
  t.state.error = null;
  t.state.finishedAt = null;
  // Nodes waiting on the coordinator (running containers, evaluating conditions, delegating agents, timers, children), before this retry adds to them.
  const waiting = Object.keys(t.state.nodes).filter((key) => WAITING_ON_COORDINATOR.has(t.node(key)!.status));

  // Jobs a pause withdrew before the execution failed: nothing else would ever run them.
  for (const [key, node] of Object.entries(t.state.nodes)) if (node.withdrawn) reenqueue(t, key);
  forgetSkipsOfFailures(t);
  const revived = reviveFailed(t);
  // Results that arrived while the execution was failed were recorded but not followed.
  for (const [key, node] of Object.entries(t.state.nodes)) if (!ACTIVE_NODE_STATUSES.has(node.status)) t.settled(key);
  launchReady(t);
  redrive(t, [...waiting, ...revived]);
  return undefined;
}

const WAITING_ON_COORDINATOR: ReadonlySet<NodeState['status']> = new Set(['running', 'evaluating', 'delegating', 'waiting']);

const broken = (node: NodeState | undefined): boolean => node?.status === 'failed' || node?.status === 'cancelled';

/**
 * Forgets the skipped steps whose skip came from a failure: a predecessor in the same frame failed
 * or was cancelled, or was itself such a skip. Only skips are followed, so a step skipped on the
 * untaken side of a condition that succeeded stays skipped even when a failure lies further up.
 * Each forgotten step keeps an unsettled predecessor (the failed one is about to run again), so the
 * scheduler reaches it again.
 */
function forgetSkipsOfFailures(t: Transition): void {
  const forgotten = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const [key, node] of Object.entries(t.state.nodes)) {
      if (node.status !== 'skipped' || forgotten.has(key)) continue;
      const frame = frameOf(key);
      const causedByFailure = (t.workflow.graph.predecessors.get(node.stepId) ?? []).some((pred) => {
        const predKey = instanceKey(frame, pred);
        return forgotten.has(predKey) || broken(t.node(predKey));
      });
      if (causedByFailure) {
        forgotten.add(key);
        changed = true;
      }
    }
  }
  for (const key of forgotten) t.forget(key);
}

/**
 * Failed and cancelled nodes run again under a new attempt, as their kind revives them
 * (`StepKind.revive`): by default they wait as `ready` (started by `launchReady`, once every node is
 * in place); containers go back to `running` with their progress. Returns the nodes to drive once
 * their children are in place.
 */
function reviveFailed(t: Transition): string[] {
  const driven: string[] = [];
  for (const [key, node] of Object.entries(t.state.nodes)) {
    // An instance serving another runs only for it: if the step it served runs again, that starts it afresh.
    if (!broken(node) || t.hostOf(key) !== undefined) continue;
    const attempt = t.nextAttempt(key);
    const kind = t.kindOf(node.stepId);
    if (kind.revive?.(t, key, node, attempt)) driven.push(key);
    else if (kind.revive === undefined) t.setNode(key, { stepId: node.stepId, status: 'ready', attempt });
  }
  return driven;
}
