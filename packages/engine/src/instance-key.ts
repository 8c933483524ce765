/**
 * Instance keys name a step within a frame. The top-level frame is `''`, so a top-level step's key
 * is its id; loop iterations open frames like `batches#2`, giving keys like `batches#2/process`.
 * Step ids cannot contain `/` or `#`, so keys parse back unambiguously.
 */
export function instanceKey(frame: string, stepId: string): string {
  return frame === '' ? stepId : `${frame}/${stepId}`;
}

/** The frame part of an instance key (for a frame: the frame enclosing it). */
export function frameOf(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash === -1 ? '' : key.slice(0, slash);
}

/** The frame of a loop's iteration `iteration`. */
export function iterationFrame(loopKey: string, iteration: number): string {
  return `${loopKey}#${iteration}`;
}

/**
 * For an iteration frame (its last segment is `loop#i`), the loop's instance key and the iteration;
 * null for the top-level frame and any other frame.
 */
export function parseIterationFrame(frame: string): { loopKey: string; iteration: number } | null {
  const hash = frame.lastIndexOf('#');
  if (hash === -1 || frame.indexOf('/', hash) !== -1 || frame.indexOf('~', hash) !== -1) return null;
  return { loopKey: frame.slice(0, hash), iteration: Number(frame.slice(hash + 1)) };
}

/*
 * Recovery steps (an `alternative`, the compensations of a `rollback`) run as instances of their own
 * in a pseudo-frame of the failed instance: `${failedKey}~alt/${step}` and `${failedKey}~rb/${step}`.
 * Step ids cannot contain `~`, so such keys parse back unambiguously. A pseudo-frame reads the scope
 * of the failed instance (its frame and the frames enclosing it).
 */

/** The key of `step` running in place of the failed instance `failedKey`. */
export function alternativeKey(failedKey: string, step: string): string {
  return `${failedKey}~alt/${step}`;
}

/** The key of the compensation `step` run for the failed instance `failedKey`. */
export function compensationKey(failedKey: string, step: string): string {
  return `${failedKey}~rb/${step}`;
}

/*
 * A coordinator agent's subtasks run as instances of its step in a pseudo-frame of their own,
 * `${coordinatorKey}~sub/${index}`, and its synthesis as `${coordinatorKey}~syn`, a key whose last
 * segment carries the `~` (it has no frame of its own: it reads the coordinator's scope, from the
 * coordinator's frame). Together they are the coordinator's *agent parts*.
 *
 * These names make keys unique and say which scope an instance reads. What an instance serves is
 * not read from its key: it is the typed link `ExecutionState.hosts` records when it first starts.
 */

const SUBTASKS = '~sub';
const SYNTHESIS = '~syn';

/** The key of subtask `index` (from 0, in plan order) of the coordinator agent instance `coordinatorKey`. */
export function subtaskKey(coordinatorKey: string, index: number): string {
  return `${coordinatorKey}${SUBTASKS}/${index}`;
}

/** The key of the synthesis run of the coordinator agent instance `coordinatorKey`. */
export function synthesisKey(coordinatorKey: string): string {
  return `${coordinatorKey}${SYNTHESIS}`;
}

/** What a coordinator agent's part is: one of its subtasks, or its synthesis. */
export type AgentPart = { coordinatorKey: string; part: 'subtask'; index: number } | { coordinatorKey: string; part: 'synthesis' };

/** For a recovery step's pseudo-frame, the failed instance it serves; undefined for real frames. */
export function pseudoFrameHost(frame: string): string | undefined {
  const last = frame.slice(frame.lastIndexOf('/') + 1);
  const tilde = last.indexOf('~');
  return tilde === -1 ? undefined : frame.slice(0, frame.length - last.length + tilde);
}

/**
 * Where a step instance in `frame` really stands: for a pseudo-frame, the frame and step id of the
 * failed instance it serves (whose scope it reads); otherwise `frame` and `stepId` themselves.
 */
export function scopeAnchor(frame: string, stepId: string): { frame: string; stepId: string } {
  let current = { frame, stepId };
  for (let host = pseudoFrameHost(current.frame); host !== undefined; host = pseudoFrameHost(current.frame)) {
    current = { frame: frameOf(host), stepId: host.slice(host.lastIndexOf('/') + 1) };
  }
  return current;
}
