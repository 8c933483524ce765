import { ACTIVE_NODE_STATUSES, type ExecutionState, type NodeState } from './execution-state.js';
import { launchReady, redrive } from './redrive.js';
import type { Transition } from './transition.js';

/**
 * Restore an execution to `snapshot`, an earlier state of its own, and continue from there.
 *
 * What runs now is cancelled (queued jobs withdrawn, running control steps recorded cancelled,
 * ready steps simply dropped), then the snapshot's state is adopted:
 * - its settled steps stay as they were: their results are reused;
 * - every step it had in progress runs again under an attempt greater than any the key has used,
 *   here or in the snapshot, so it gets a new step run and no result of an older run can match it:
 *   work steps and conditions start again (or wait as `ready` if the snapshot is paused, or failed:
 *   a retry starts them), running parallels and loops keep their progress and drive on from their
 *   children, a loop waiting for an expression asks for it again;
 * - an `escalated` step stays escalated under its attempt (a resolution names it), a `recovering`
 *   one stays recovering while its alternative or compensation runs again, a `delegating`
 *   coordinator agent stays delegating under its attempt (its plan is kept) while its subtasks or
 *   synthesis in progress run again;
 * - the status is the snapshot's. A snapshot of a completed or failed execution restores that
 *   status and starts nothing.
 *
 * The status is set directly rather than through the lifecycle machine: a restore is not a step of
 * the lifecycle but a jump to a state the lifecycle already reached once (running, paused or even
 * a settled one), from running, paused, completed or failed alike.
 */
export function restore(t: Transition, snapshot: ExecutionState): string | undefined {
  const current = t.state.status;
  if (current === 'pending' || current === 'cancelled') return `cannot restore an execution that is ${current}`;
  if (snapshot.executionId !== t.state.executionId) return `the snapshot is of execution ${snapshot.executionId}, not ${t.state.executionId}`;
  if (snapshot.status === 'pending') return 'cannot restore a snapshot taken before the execution started';

  t.cancelWhere(() => true);
  const floors = attemptFloors([t.state, snapshot]);
  const nodes: Record<string, NodeState> = {};
  const containers: string[] = [];
  const coordinators: string[] = [];
  for (const [key, node] of Object.entries(snapshot.nodes)) {
    // Escalated steps wait for a human again, recovering ones for their recovery steps, delegating ones for their parts (which run again below).
    if (!ACTIVE_NODE_STATUSES.has(node.status) || node.status === 'escalated' || node.status === 'recovering' || node.status === 'delegating') {
      nodes[key] = node;
      if (node.status === 'delegating') coordinators.push(key);
      continue;
    }
    const attempt = (floors.get(key) ?? 0) + 1;
    if (node.status === 'running') {
      // Running containers keep their progress (iterations, outputs, failures) and drive on from their children.
      const { withdrawn: _withdrawn, ...progress } = node;
      nodes[key] = { ...progress, attempt };
      containers.push(key);
    } else {
      nodes[key] = { stepId: node.stepId, status: 'ready', attempt };
    }
  }
  const usedAttempts = [...floors].filter(([key, attempt]) => attempt > (nodes[key]?.attempt ?? 0));

  const state = t.state;
  state.status = snapshot.status;
  state.input = snapshot.input;
  state.variables = snapshot.variables;
  // Links never change: those made since the snapshot still name what their keys serve.
  if (snapshot.hosts !== undefined || state.hosts !== undefined) state.hosts = { ...snapshot.hosts, ...state.hosts };
  t.replaceRecords(nodes, { ...(snapshot.overlays ?? {}) });
  state.startedAt = snapshot.startedAt;
  state.finishedAt = snapshot.finishedAt;
  state.error = snapshot.error;
  if (usedAttempts.length > 0) state.usedAttempts = Object.fromEntries(usedAttempts);
  else delete state.usedAttempts;

  for (const key of containers) t.record(key, 'running');
  if (!t.live) {
    // The execution reached a settled status (again): the shell publishes it like any other.
    t.settle();
    return undefined;
  }
  launchReady(t);
  redrive(t, [...containers, ...coordinators]);
  return undefined;
}

/** The highest attempt each instance key has used in any of `states`. */
function attemptFloors(states: readonly ExecutionState[]): Map<string, number> {
  const floors = new Map<string, number>();
  const raise = (key: string, attempt: number) => {
    if (attempt > (floors.get(key) ?? 0)) floors.set(key, attempt);
  };
  for (const state of states) {
    for (const [key, node] of Object.entries(state.nodes)) raise(key, node.attempt);
    for (const [key, attempt] of Object.entries(state.usedAttempts ?? {})) raise(key, attempt);
  }
  return floors;
}
