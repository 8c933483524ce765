import type { ExecutionState } from '@agentic-flow/engine';

/**
 * Whether a run the reconciler found in flight still waits for a worker in the execution's current
 * state: the execution runs and the run's node is queued under the same attempt. The list of runs
 * is read before the jobs are checked; a run cancelled in between (its job then completes quietly,
 * so it looks lost) must not be enqueued again.
 */
export function stillQueued(state: ExecutionState, run: { instanceKey: string; attempt: number }): boolean {
  const node = state.nodes[run.instanceKey];
  return state.status === 'running' && node?.status === 'queued' && node.attempt === run.attempt;
}
