import type { NodeState } from './execution-state.js';
import type { Transition } from './transition.js';

/**
 * Starting again what an execution left waiting, shared by resume, retry and restore. Each
 * function re-reads a node before acting on it: starting one node can settle or cancel others
 * (a template failure failing its parallel, say).
 */

/** Starts the nodes waiting as `ready`, in the order they were created, while the execution runs. */
export function launchReady(t: Transition): void {
  for (const key of Object.keys(t.state.nodes)) {
    // A step that failed at once (a template) may have failed the execution: the rest wait for a retry.
    if (t.state.status !== 'running') return;
    const node = t.node(key);
    if (node?.status === 'ready') t.launch(key, node.stepId, node.attempt);
  }
}

/**
 * Sends a queued work step to a worker again under the same attempt, so the same step run: the
 * shell's enqueue is a no-op while its job still exists and brings back one that was withdrawn.
 * Templates are resolved again, over the current results and variables, as for any launch.
 */
export function reenqueue(t: Transition, key: string): void {
  const node = t.node(key);
  if (node?.status === 'queued') t.launch(key, node.stepId, node.attempt);
}

/**
 * Picks up `keys` that wait on the coordinator (a condition evaluating, a running parallel or loop,
 * a delegating coordinator agent, a waiting timer or child): each kind drives its node on from where
 * it stands (`StepKind.redrive`). A node that asked for an expression in this very transition is not
 * asked twice.
 */
export function redrive(t: Transition, keys: Iterable<string>): void {
  for (const key of keys) {
    if (!t.live) return;
    const node = t.node(key);
    if (!node || t.commands.some((c) => c.type === 'evaluate' && c.key === key)) continue;
    t.kindOf(node.stepId).redrive?.(t, key, node);
  }
}

/**
 * `StepKind.revive` for containers: failed or cancelled container `key` runs again under `attempt`
 * (a new step run, recorded `running`) with its progress (iterations, outputs), without its
 * failures; its children drive it once every node is in place.
 */
export function continueContainer(t: Transition, key: string, node: NodeState, attempt: number): boolean {
  const { error: _error, output: _output, failures: _failures, awaiting: _awaiting, withdrawn: _withdrawn, ...progress } = node;
  t.setNode(key, { ...progress, status: 'running', attempt });
  t.record(key, 'running');
  return true;
}
