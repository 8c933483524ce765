import { stepError, type StepError } from '@agentic-flow/spec';
import { liveDescendants, type Database } from '@agentic-flow/store';

/** Whether a child may start: `start`, `skip` (nothing would wait for it, or it exists), or `refuse` with the step's error. */
export type ChildStartVerdict = { kind: 'start' } | { kind: 'skip'; reason: string } | { kind: 'refuse'; error: StepError };

/**
 * Decides whether child `childId` of step run `run` of `parentId` starts. Refused when it would make
 * the live descendants of the parent's top-level execution more than `max`
 * (`MAX_DESCENDANT_EXECUTIONS`): depth is capped by the engine, breadth is not, and children skip
 * `MAX_CONCURRENT_WORKFLOWS` admission (a parent waiting for a queued child would hold its slot for
 * ever), so without this a `parallel` of `workflow` steps calling their own workflow multiplies
 * executions breadth^depth. One indexed query (`liveDescendants`); it is a count, not a lock, so a
 * tree can overshoot by the child starts in flight at the same moment (each sees the others once
 * committed), never more: a committed live child is always counted.
 */
export async function childStartVerdict(
  db: Database,
  parentId: string,
  run: { instanceKey: string; attempt: number },
  childId: string,
  workflowId: string,
  max: number,
): Promise<ChildStartVerdict> {
  const tree = await liveDescendants(db, parentId, run, childId);
  // The parent is gone: its start then fails on its own, as it did before the cap.
  if (tree === undefined) return { kind: 'start' };
  // A second start inserts nothing, so it adds nothing to the tree.
  if (tree.started) return { kind: 'skip', reason: 'started already' };
  // The run stopped waiting (a fail-fast sibling, a cancel, the parent settled) between its commit and this start:
  // a child now would answer to nobody, and in a collapsing fan-out such starts would take the places settling ones free.
  if (!tree.waiting) return { kind: 'skip', reason: 'its step run no longer waits' };
  if (tree.live < max) return { kind: 'start' };
  return {
    kind: 'refuse',
    error: stepError(
      'TOO_MANY_DESCENDANTS',
      `starting workflow "${workflowId}" would make ${tree.live + 1} live executions under top-level execution ${tree.rootExecutionId}, ` +
        `over the limit of ${max} (MAX_DESCENDANT_EXECUTIONS); ${tree.live} are pending, running or paused`,
      { rootExecutionId: tree.rootExecutionId, live: tree.live, limit: max, workflowId },
    ),
  };
}
