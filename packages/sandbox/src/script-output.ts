import { jsonNestsDeeperThan } from './json-text-depth.js';
import type { RawScriptRunResult, ScriptLogEntry, ScriptRunResult } from './script-types.js';

/** Limits on what a run may hand back. */
export interface OutputLimits {
  /** Output plus variable updates, as UTF-8 JSON. */
  maxOutputBytes: number;
  /** Levels of arrays and objects in the output and in each variable update. */
  maxOutputDepth: number;
}

/**
 * Parses a run's output and variable updates once they pass the limits. Size and nesting are read
 * off the JSON text, before any value exists: a value nested thousands of levels deep would
 * overflow the stack of whatever serializes it next (the result's report, the coordinator's write).
 */
export function finishRun(raw: RawScriptRunResult, limits: OutputLimits): ScriptRunResult {
  if (!raw.ok) return raw;
  let bytes = Buffer.byteLength(raw.outputJson);
  for (const [, json] of raw.variableJson) bytes += Buffer.byteLength(json);
  if (bytes > limits.maxOutputBytes) {
    return tooLarge(
      `the output and variable updates are ${bytes} bytes of JSON, over the limit of ${limits.maxOutputBytes}`,
      { bytes, limit: limits.maxOutputBytes },
      raw.logs,
    );
  }
  const deep = [['the output', raw.outputJson] as const, ...raw.variableJson.map(([name, json]) => [`variable "${name}"`, json] as const)].find(([, json]) =>
    jsonNestsDeeperThan(json, limits.maxOutputDepth),
  );
  if (deep !== undefined) return tooLarge(`${deep[0]} nests deeper than ${limits.maxOutputDepth} levels`, { maxDepth: limits.maxOutputDepth }, raw.logs);
  try {
    const value: unknown = JSON.parse(raw.outputJson);
    // fromEntries defines own properties, so a variable named "__proto__" stays a plain key.
    const variableUpdates = Object.fromEntries(raw.variableJson.map(([name, json]) => [name, JSON.parse(json) as unknown]));
    return { ok: true, value, variableUpdates, logs: raw.logs };
  } catch {
    return { ok: false, error: { code: 'OUTPUT_NOT_SERIALIZABLE', message: 'the output is not valid JSON' }, logs: raw.logs };
  }
}

function tooLarge(message: string, details: Record<string, unknown>, logs: ScriptLogEntry[]): ScriptRunResult {
  return { ok: false, error: { code: 'OUTPUT_TOO_LARGE', message, details }, logs };
}
