/**
 * Masking secret values out of text, as CI systems mask theirs: every occurrence of a secret — and
 * of the forms it takes on its way through URLs, forms and `Authorization: Basic` headers — becomes
 * `***`. The one implementation: the worker masks everything it reports and logs with it
 * (`apps/worker/src/secret-masker.ts`), and an agent provider masks its API key out of its errors.
 *
 * Masking is a safety net for accidents (a server echoing a header, an error quoting a URL), not a
 * boundary: code that was given a secret can always transform it beyond recognition.
 */

/** What a masked secret reads as. */
export const MASK = '***';

/**
 * Values shorter than this are not masked: masking `ab` or `1` would mask half of every text,
 * and a secret that short protects nothing anyway. Forms shorter than this are not masked either.
 */
export const MIN_MASKED_LENGTH = 4;

/**
 * The texts masked for one secret value, longest first: the value; its lower-case form (URL host
 * names are lower-cased); percent-encoded as `encodeURIComponent` and `encodeURI` do and as a form
 * (`application/x-www-form-urlencoded`, space as `+`); and base64 and base64url, both whole (with
 * and without padding) and as the characters that encode it at each of the three byte alignments it
 * can have inside longer base64 text (`Basic base64(user:password)`). Empty when `value` is shorter
 * than {@link MIN_MASKED_LENGTH}.
 */
export function maskedForms(value: string): string[] {
  if (value.length < MIN_MASKED_LENGTH) return [];
  const forms = new Set<string>([value, value.toLowerCase()]);
  const encoded = (encode: (text: string) => string): void => {
    try {
      forms.add(encode(value));
    } catch {
      // A lone surrogate cannot be percent-encoded, so it is never sent in that form either.
    }
  };
  encoded(encodeURIComponent);
  encoded(encodeURI);
  encoded((text) => new URLSearchParams([['', text]]).toString().slice(1));
  const bytes = Buffer.from(value, 'utf8');
  const whole = bytes.toString('base64');
  forms.add(whole);
  forms.add(whole.replace(/=+$/, ''));
  forms.add(bytes.toString('base64url'));
  for (let offset = 0; offset < 3; offset++) {
    const text = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // Only the characters made of the value's bits alone: not those shared with what precedes or follows it.
    const inner = text.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    forms.add(inner);
    forms.add(inner.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return [...forms].filter((form) => form.length >= MIN_MASKED_LENGTH).sort((a, b) => b.length - a.length);
}

/**
 * Masks a fixed set of secret values (see {@link maskedForms}). Immutable: build another when the
 * values change. Patterns are computed once, here; masking a text is one `indexOf` scan per pattern,
 * and text without any returns as it is, without allocating.
 *
 * @example
 * const mask = SecretMask.of(['s3cr3t-token']);
 * mask.text('Bearer s3cr3t-token'); // 'Bearer ***'
 * mask.json('{"auth":"Bearer s3cr3t-token"}'); // '{"auth":"Bearer ***"}'
 */
export class SecretMask {
  static readonly none = new SecretMask([]);

  /** A mask of `values` (duplicates and values too short to mask are ignored). */
  static of(values: Iterable<string>): SecretMask {
    const patterns = new Set<string>();
    for (const value of values) for (const form of maskedForms(value)) patterns.add(form);
    return new SecretMask([...patterns].sort((a, b) => b.length - a.length));
  }

  /** Every masked text, longest first. */
  readonly patterns: readonly string[];
  /**
   * Finds any pattern, raw or as it appears inside a JSON string literal (`"` and `\` escaped,
   * control characters too): one regular expression, several times faster than a scan per pattern.
   */
  private readonly detector: RegExp | undefined;
  private readonly shortest: number;

  private constructor(patterns: readonly string[]) {
    this.patterns = patterns;
    const json = new Set<string>();
    for (const pattern of patterns) {
      json.add(pattern);
      json.add(JSON.stringify(pattern).slice(1, -1));
    }
    this.detector =
      json.size === 0
        ? undefined
        : new RegExp(
            [...json]
              .sort((a, b) => b.length - a.length)
              .map(escapeRegExp)
              .join('|'),
          );
    this.shortest = patterns.length === 0 ? Infinity : Math.min(...patterns.map((p) => p.length));
  }

  get isEmpty(): boolean {
    return this.patterns.length === 0;
  }

  /**
   * `text` with every occurrence of a pattern replaced by {@link MASK}. Overlapping occurrences (of
   * one secret, or of two secrets that share characters) are masked as one: nothing of either shows.
   */
  text(text: string): string {
    if (text.length < this.shortest || !this.detector!.test(text)) return text;
    let ranges: Array<[start: number, end: number]> | undefined;
    for (const pattern of this.patterns) {
      for (let at = text.indexOf(pattern); at !== -1; at = text.indexOf(pattern, at + 1)) (ranges ??= []).push([at, at + pattern.length]);
    }
    if (ranges === undefined) return text;
    ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    let out = '';
    let cursor = 0;
    let [start, end] = ranges[0]!;
    for (const [nextStart, nextEnd] of ranges) {
      if (nextStart < end) {
        end = Math.max(end, nextEnd);
        continue;
      }
      out += text.slice(cursor, start) + MASK;
      cursor = end;
      [start, end] = [nextStart, nextEnd];
    }
    return out + text.slice(cursor, start) + MASK + text.slice(end);
  }

  /** True when `text` holds a pattern, raw or as it appears inside a JSON string literal. */
  foundIn(text: string): boolean {
    return text.length >= this.shortest && this.detector!.test(text);
  }

  /**
   * A JSON value with every string (and every object key) masked; the same value when nothing in it
   * needed masking, otherwise a copy sharing the untouched parts.
   */
  value<T>(value: T): T {
    if (this.isEmpty) return value;
    return this.walk(value) as T;
  }

  /**
   * JSON text with every string in it masked, still valid JSON (masking the text itself could cut
   * an escape sequence in two). Text holding no pattern — the usual case — is returned as it is after
   * one scan per pattern; otherwise it is parsed, masked and serialized again. Text that is not JSON
   * is masked as plain text. Whitespace around the value (a log line's newline) is kept.
   */
  json(json: string): string {
    if (!this.foundIn(json)) return json;
    const trimmed = json.trimEnd();
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      return this.text(json);
    }
    try {
      return JSON.stringify(this.walk(parsed)) + json.slice(trimmed.length);
    } catch {
      // Too deep to walk or serialize again: no structure is kept, but nothing shows either.
      return this.text(json);
    }
  }

  private walk(node: unknown): unknown {
    if (typeof node === 'string') return this.text(node);
    if (node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) {
      let copy: unknown[] | undefined;
      node.forEach((item, index) => {
        const masked = this.walk(item);
        if (masked !== item) (copy ??= [...node])[index] = masked;
      });
      return copy ?? node;
    }
    let changed = false;
    const entries = Object.entries(node).map(([key, item]): [string, unknown] => {
      const maskedKey = this.text(key);
      const masked = this.walk(item);
      if (maskedKey !== key || masked !== item) changed = true;
      return [maskedKey, masked];
    });
    if (!changed) return node;
    const copy: Record<string, unknown> = {};
    // defineProperty: a key named "__proto__" is data here, never the prototype.
    for (const [key, item] of entries) Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    return copy;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
