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

/** For a recovery step's pseudo-frame, the failed instance it serves; undefined for real frames. */
export function pseudoFrameHost(frame: string): string | undefined {
  const last = frame.slice(frame.lastIndexOf('/') + 1);
  const tilde = last.indexOf('~');
  return tilde === -1 ? undefined : frame.slice(0, frame.length - last.length + tilde);
}

/** For a recovery step's instance key, the failed instance it serves; undefined for other keys. */
export function hostKeyOf(key: string): string | undefined {
  return pseudoFrameHost(frameOf(key));
}

/** The key itself, or for a recovery step's instance, the (outermost) failed instance it serves. */
export function baseKeyOf(key: string): string {
  let base = key;
  for (let host = hostKeyOf(base); host !== undefined; host = hostKeyOf(base)) base = host;
  return base;
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
