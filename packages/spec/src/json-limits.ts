/**
 * What a JSON value must satisfy before it is stored or handed on: PostgreSQL's `jsonb` and `text`
 * refuse NUL characters (U+0000) and lone UTF-16 surrogates (JSON.parse accepts `"\ud800"`, and
 * `jsonb` answers "unsupported Unicode escape sequence"), and every recursive walk over a value —
 * `JSON.stringify`, hashing, template resolution — overflows the stack on deep enough nesting.
 */

/** The deepest nesting the API accepts: a top-level object or array is depth 1. */
export const MAX_JSON_DEPTH = 200;

/** Why a value with each kind of problem is refused, as the API and the CLI's `validate` say it after the path. */
export const JSON_PROBLEM_REASONS: Readonly<Record<JsonProblemKind, string>> = {
  nul: 'contains a NUL character (\\u0000), which cannot be stored',
  'lone-surrogate': 'contains a lone UTF-16 surrogate (\\ud800-\\udfff without its pair), which is not text',
  'too-deep': `is nested deeper than ${MAX_JSON_DEPTH} levels`,
};

export type JsonProblemKind = 'too-deep' | 'nul' | 'lone-surrogate';

/** The first thing wrong with a value, and where: `path` is keys and indexes from the root (`[]` is the root). */
export interface JsonProblem {
  kind: JsonProblemKind;
  path: (string | number)[];
}

export interface JsonLimits {
  /** Containers nested deeper than this are a `too-deep` problem. Default {@link MAX_JSON_DEPTH}. */
  maxDepth?: number;
}

/**
 * The first problem in a JSON value, in document order, or null when there is none: a string or an
 * object key with a NUL character or a lone surrogate, or a container nested deeper than `maxDepth`
 * (its path is the first container past the limit).
 *
 * One pass, iterative (an explicit stack, so a value 100,000 levels deep cannot overflow the call
 * stack), and it stops at the first problem; no copy of the value is made. Cheap enough to run on
 * every request body. Values from `JSON.parse` are trees; a value that shares objects is walked once
 * per reference, and a cyclic one ends as `too-deep`.
 *
 * @example
 * findJsonProblem({ steps: [{ name: 'a\u0000' }] }) // { kind: 'nul', path: ['steps', 0, 'name'] }
 * findJsonProblem(deeplyNested, { maxDepth: 200 })  // { kind: 'too-deep', path: ['a', 'a', …] }
 * formatPath(problem.path)                          // '$.steps[0].name'
 */
export function findJsonProblem(value: unknown, limits: JsonLimits = {}): JsonProblem | null {
  const maxDepth = limits.maxDepth ?? MAX_JSON_DEPTH;
  if (typeof value === 'string') return textProblem(value, null, undefined);
  if (value === null || typeof value !== 'object') return null;
  if (maxDepth < 1) return { kind: 'too-deep', path: [] };
  let frame: Frame | null = new Frame(value, null, undefined);
  while (frame !== null) {
    const container: object = frame.container;
    let key: string | number;
    let item: unknown;
    if (frame.keys === null) {
      const array = container as unknown[];
      if (frame.next >= array.length) {
        frame = frame.parent;
        continue;
      }
      key = frame.next++;
      item = array[key];
    } else {
      if (frame.next >= frame.keys.length) {
        frame = frame.parent;
        continue;
      }
      key = frame.keys[frame.next++]!;
      const keyProblem = textProblem(key, frame, key);
      if (keyProblem) return keyProblem;
      item = (container as Record<string, unknown>)[key];
    }
    if (typeof item === 'string') {
      const problem = textProblem(item, frame, key);
      if (problem) return problem;
    } else if (item !== null && typeof item === 'object') {
      if (frame.depth >= maxDepth) return { kind: 'too-deep', path: pathTo(frame, key) };
      frame = new Frame(item, frame, key);
    }
  }
  return null;
}

/** One container being walked: which child comes next, and how it was reached (for the path). */
class Frame {
  readonly keys: string[] | null;
  readonly depth: number;
  next = 0;

  constructor(
    readonly container: object,
    readonly parent: Frame | null,
    readonly keyInParent: string | number | undefined,
  ) {
    this.keys = Array.isArray(container) ? null : Object.keys(container);
    this.depth = parent === null ? 1 : parent.depth + 1;
  }
}

function pathTo(frame: Frame | null, last: string | number | undefined): (string | number)[] {
  const path: (string | number)[] = last === undefined ? [] : [last];
  for (let f = frame; f !== null && f.keyInParent !== undefined; f = f.parent) path.push(f.keyInParent);
  return path.reverse();
}

// Matches any NUL or surrogate code unit (no `u` flag: it sees code units). Most strings have
// none, so one native scan decides; only strings with surrogates (emoji…) take the slower check.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point
const SUSPECT = /[\u0000\ud800-\udfff]/;

function textProblem(text: string, frame: Frame | null, key: string | number | undefined): JsonProblem | null {
  if (!SUSPECT.test(text)) return null;
  const kind = badTextKind(text);
  return kind === null ? null : { kind, path: pathTo(frame, key) };
}

/** The first NUL or lone surrogate of the string decides; well-formed surrogate pairs are fine. */
function badTextKind(text: string): 'nul' | 'lone-surrogate' | null {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0) return 'nul';
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit <= 0xdbff) {
      const after = text.charCodeAt(i + 1);
      if (after >= 0xdc00 && after <= 0xdfff) {
        i++;
        continue;
      }
    }
    return 'lone-surrogate';
  }
  return null;
}
