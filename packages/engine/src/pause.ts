import { launchReady, reenqueue } from './redrive.js';
import { ACTIVE_NODE_STATUSES } from './execution-state.js';
import type { Transition } from './transition.js';

/**
 * Pause (running → paused). Steps that become ready wait as `ready` (see `Transition.activate`),
 * and the jobs of queued steps are withdrawn so no worker starts them. A queued step stays queued:
 * a job a worker already took cannot be withdrawn, finishes, and its result applies as usual.
 */
export function pause(t: Transition): string | undefined {
  if (!t.lifecycle('PAUSE')) return `cannot pause an execution that is ${t.state.status}`;
  for (const [key, node] of Object.entries(t.state.nodes)) {
    if (node.status !== 'queued') continue;
    t.setNode(key, { ...node, withdrawn: true });
    t.emit({ type: 'withdraw-step', key, stepId: node.stepId, attempt: node.attempt, at: t.at });
  }
  tellActive(t, 'paused');
  return undefined;
}

/**
 * Resume a paused execution (paused → running). Every queued step is sent again under its attempt
 * (its job may have been withdrawn; the shell's enqueue is idempotent for one that was not), then
 * the steps held as `ready` start. Queued steps go first: they must get their jobs back even if a
 * ready step then fails the execution.
 */
export function resumePaused(t: Transition): string | undefined {
  if (!t.lifecycle('RESUME')) return `cannot resume an execution that is ${t.state.status}`;
  for (const key of Object.keys(t.state.nodes)) reenqueue(t, key);
  tellActive(t, 'resumed');
  launchReady(t);
  return undefined;
}

/** Tells each active node's kind the execution paused or resumed (a child execution follows it). */
function tellActive(t: Transition, hook: 'paused' | 'resumed'): void {
  for (const [key, node] of Object.entries(t.state.nodes)) {
    if (t.state.status !== (hook === 'paused' ? 'paused' : 'running')) return;
    if (ACTIVE_NODE_STATUSES.has(node.status)) t.kindOf(node.stepId)[hook]?.(t, key, node);
  }
}
