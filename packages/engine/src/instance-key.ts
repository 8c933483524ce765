/**
 * Instance keys name a step within a frame. The top-level frame is `''`, so a top-level step's key
 * is its id; loop iterations open frames like `batches#2`, giving keys like `batches#2/process`.
 */
export function instanceKey(frame: string, stepId: string): string {
  return frame === '' ? stepId : `${frame}/${stepId}`;
}

/** The frame part of an instance key. */
export function frameOf(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash === -1 ? '' : key.slice(0, slash);
}
