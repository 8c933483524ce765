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

/** For an iteration frame, the loop's instance key and the iteration; null for the top-level frame. */
export function parseIterationFrame(frame: string): { loopKey: string; iteration: number } | null {
  const hash = frame.lastIndexOf('#');
  if (hash === -1) return null;
  return { loopKey: frame.slice(0, hash), iteration: Number(frame.slice(hash + 1)) };
}
