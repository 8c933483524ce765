/** One thing wrong with a definition or a request: where (a JSON path) and why. */
export interface Problem {
  /** JSONPath-style location, e.g. `$.steps[2].config.url`. */
  path: string;
  message: string;
}

/** Formats a path of keys and indexes as `$.steps[2].config["Content-Type"]`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}
