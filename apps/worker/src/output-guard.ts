import { stepError, type StepError } from '@agentic-flow/spec';

/** What a step may hand back, of every type. */
export interface OutputLimits {
  /** Output plus variable updates, as UTF-8 JSON. */
  maxBytes: number;
  /** Levels of arrays and objects in the output, and in each variable update. */
  maxDepth: number;
}

export const DEFAULT_OUTPUT_LIMITS: Readonly<OutputLimits> = { maxBytes: 1024 * 1024, maxDepth: 200 };

/**
 * A succeeded step's output and variable updates as the JSON text its result will carry (absent:
 * left out of the result), or the step error that replaces them.
 */
export type GuardedOutput = { ok: true; outputJson: string | undefined; variableUpdatesJson: string | undefined } | { ok: false; error: StepError };

/**
 * Measures what a step hands back before anything else has to serialize it: nested deeper than
 * `maxDepth` (a 100,000-deep JSON body an HTTP server sent would overflow the stack of
 * `JSON.stringify`), over `maxBytes` of JSON, or too large to serialize at all, it fails
 * `OUTPUT_TOO_LARGE`. Left to the report, the same output would throw there — no result, and the
 * reconciler re-queuing the step forever — or reach the coordinator and its database.
 *
 * Nesting is measured on the value, before serializing: a walk that stops at `maxDepth` costs a
 * fraction of a serialization, where scanning the JSON text char by char cost more than one. The
 * JSON text is returned so the report splices it in (`stepResultJson`) instead of serializing the
 * output a second time: one serialization per step, where there used to be two (a check for NUL
 * characters, then the report).
 *
 * @example
 * const guarded = guardOutput(outcome.output, outcome.variableUpdates, { maxBytes: 1_048_576, maxDepth: 200 });
 * if (!guarded.ok) return fail(guarded.error);
 */
export function guardOutput(output: unknown, variableUpdates: Record<string, unknown> | undefined, limits: OutputLimits): GuardedOutput {
  // Each variable update may nest as deep as an output.
  if (
    nestsDeeperThan(output, limits.maxDepth) ||
    (variableUpdates !== undefined && Object.values(variableUpdates).some((value) => nestsDeeperThan(value, limits.maxDepth)))
  ) {
    return tooDeep(limits);
  }
  let outputJson: string | undefined;
  let variableUpdatesJson: string | undefined;
  try {
    outputJson = JSON.stringify(output) as string | undefined;
    variableUpdatesJson = variableUpdates === undefined ? undefined : JSON.stringify(variableUpdates);
  } catch (error) {
    return unserializable(error, limits);
  }
  const bytes = utf8BytesBeyond(limits.maxBytes, outputJson, variableUpdatesJson);
  if (bytes > limits.maxBytes) {
    return {
      ok: false,
      error: stepError('OUTPUT_TOO_LARGE', `the output and variable updates are ${bytes} bytes of JSON, over this worker's limit of ${limits.maxBytes}`, {
        bytes,
        limit: limits.maxBytes,
      }),
    };
  }
  if (hasNul(outputJson) || hasNul(variableUpdatesJson)) {
    // PostgreSQL cannot store U+0000 in jsonb: the coordinator's transaction would fail on every retry.
    return {
      ok: false,
      error: stepError('OUTPUT_NOT_SERIALIZABLE', 'the output or a variable update contains a NUL character (\\u0000), which cannot be stored'),
    };
  }
  return { ok: true, outputJson, variableUpdatesJson };
}

/**
 * Whether `value` holds arrays and objects more than `limit` levels deep (`value` itself, if one,
 * is level 1). The walk stops below the limit, so it cannot overflow the stack; a cycle counts as
 * nesting without end.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const deeper = (node: unknown, levelsLeft: number): boolean => {
    if (typeof node !== 'object' || node === null) return false;
    if (levelsLeft === 0) return true;
    if (Array.isArray(node)) {
      for (const item of node) if (deeper(item, levelsLeft - 1)) return true;
      return false;
    }
    for (const key in node) if (deeper((node as Record<string, unknown>)[key], levelsLeft - 1)) return true;
    return false;
  };
  return deeper(value, limit);
}

function unserializable(error: unknown, limits: OutputLimits): GuardedOutput {
  if (error instanceof RangeError) {
    // "Maximum call stack size exceeded": nested too deep to walk. Otherwise "Invalid string length":
    // more text than a JavaScript string can hold.
    if (/call stack/i.test(error.message)) return tooDeep(limits);
    return {
      ok: false,
      error: stepError('OUTPUT_TOO_LARGE', `the output is too large to serialize at all (over this worker's limit of ${limits.maxBytes} bytes)`, {
        limit: limits.maxBytes,
      }),
    };
  }
  if (error instanceof TypeError) {
    // A cycle or a BigInt: no executor of ours produces one, but the output is not JSON either way.
    return { ok: false, error: stepError('OUTPUT_NOT_SERIALIZABLE', `the output is not JSON: ${error.message}`) };
  }
  // Anything else (a throwing toJSON) is a bug of the executor's: the processor reports it as such.
  throw error;
}

function tooDeep(limits: OutputLimits): GuardedOutput {
  return {
    ok: false,
    error: stepError('OUTPUT_TOO_LARGE', `the output or a variable update nests deeper than ${limits.maxDepth} levels`, { maxDepth: limits.maxDepth }),
  };
}

/**
 * The UTF-8 bytes of the texts when they may be over `limit`, else 0. A UTF-16 unit is at most 3
 * bytes, so text short enough is within the limit without counting: the common case costs nothing.
 */
function utf8BytesBeyond(limit: number, ...texts: (string | undefined)[]): number {
  let units = 0;
  for (const text of texts) units += text?.length ?? 0;
  if (units * 3 <= limit) return 0;
  let bytes = 0;
  for (const text of texts) bytes += text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
  return bytes;
}

/** A `\u0000` escape, not an escaped backslash followed by the text `u0000`. */
const NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/;

function hasNul(json: string | undefined): boolean {
  if (json === undefined) return false;
  return json.includes('\\u0000') && NUL_ESCAPE.test(json);
}
