import { driveCoordinator } from './agent-step.js';
import { resumeLoop } from './loop-step.js';
import { resumeParallel } from './parallel-step.js';
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
 * Picks up `keys` that wait on the coordinator rather than on a worker: a condition still
 * `evaluating` asks for its expression again (its answer was ignored, e.g. because the execution
 * had failed meanwhile), a running parallel or loop drives on from its children, a delegating
 * coordinator agent from its subtasks and synthesis. A node that asked for an expression in this
 * very transition is not asked twice.
 */
export function redrive(t: Transition, keys: Iterable<string>): void {
  for (const key of keys) {
    if (!t.live) return;
    const node = t.node(key);
    if (!node || t.commands.some((c) => c.type === 'evaluate' && c.key === key)) continue;
    const type = t.step(node.stepId).type;
    if (node.status === 'evaluating' && type === 'condition') t.launch(key, node.stepId, node.attempt);
    else if (node.status === 'running' && type === 'parallel') resumeParallel(t, key);
    else if (node.status === 'running' && type === 'loop') resumeLoop(t, key);
    else if (node.status === 'delegating') driveCoordinator(t, key);
  }
}
