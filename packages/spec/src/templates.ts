/**
 * `{{ path }}` templates: a property path into the step's scope, never code.
 *
 * Grammar: `root ( "." name | "[" integer "]" | "[" quoted string "]" )*`, where `root` is one of
 * {@link TEMPLATE_ROOTS}. A string that is exactly one template resolves to the value itself
 * (keeping its type); otherwise every template is replaced by its value as text.
 */
export const TEMPLATE_ROOTS = ['variables', 'results', 'steps', 'input', 'execution', 'loop', 'secrets'] as const;
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];

export type PathSegment = string | number;

export interface TemplatePath {
  /** The text between the braces, trimmed. */
  source: string;
  root: TemplateRoot;
  /** Segments after the root. */
  segments: PathSegment[];
}

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'path'; path: TemplatePath };

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly template: string,
  ) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

const OPEN = '{{';
const CLOSE = '}}';

/** True when the string contains at least one `{{`. Cheap pre-check for the hot path. */
export function hasTemplate(text: string): boolean {
  return text.includes(OPEN);
}

/** Splits a string into text and template parts; throws {@link TemplateSyntaxError}. */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  while (cursor < text.length) {
    const open = text.indexOf(OPEN, cursor);
    if (open === -1) {
      parts.push({ kind: 'text', text: text.slice(cursor) });
      break;
    }
    if (open > cursor) parts.push({ kind: 'text', text: text.slice(cursor, open) });
    const close = text.indexOf(CLOSE, open + OPEN.length);
    if (close === -1) throw new TemplateSyntaxError(`unclosed "{{" at character ${open}`, text);
    parts.push({ kind: 'path', path: parsePath(text.slice(open + OPEN.length, close).trim()) });
    cursor = close + CLOSE.length;
  }
  return parts;
}

/** Parses `results["fetch"].data[0]` into a root and segments; throws {@link TemplateSyntaxError}. */
export function parsePath(source: string): TemplatePath {
  const fail = (why: string): never => {
    throw new TemplateSyntaxError(`invalid template path "${source}": ${why}`, source);
  };
  if (source === '') fail('empty template');
  let i = 0;
  const readName = (): string => {
    const match = /^[A-Za-z_$][A-Za-z0-9_$-]*/.exec(source.slice(i));
    if (!match) fail(`expected a name at character ${i}`);
    i += match![0].length;
    return match![0];
  };
  const root = readName();
  if (!(TEMPLATE_ROOTS as readonly string[]).includes(root)) {
    fail(`unknown root "${root}" (expected one of ${TEMPLATE_ROOTS.join(', ')})`);
  }
  const segments: PathSegment[] = [];
  while (i < source.length) {
    const ch = source[i];
    if (ch === '.') {
      i += 1;
      segments.push(readName());
    } else if (ch === '[') {
      const rest = source.slice(i);
      const index = /^\[\s*(\d+)\s*\]/.exec(rest);
      const quoted = /^\[\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\]/.exec(rest);
      if (index) {
        segments.push(Number(index[1]));
        i += index[0].length;
      } else if (quoted) {
        const literal = quoted[1]!;
        segments.push(literal.slice(1, -1).replace(/\\(.)/g, '$1'));
        i += quoted[0].length;
      } else {
        fail(`expected [number] or ["key"] at character ${i}`);
      }
    } else {
      fail(`unexpected "${ch}" at character ${i}`);
    }
  }
  return { source, root: root as TemplateRoot, segments };
}

/** Every template path in a JSON value, with the JSON path segments of the string holding it. */
export function collectTemplates(value: unknown, at: PropertyKey[] = []): { at: PropertyKey[]; text: string }[] {
  const found: { at: PropertyKey[]; text: string }[] = [];
  const walk = (node: unknown, path: PropertyKey[]): void => {
    if (typeof node === 'string') {
      if (hasTemplate(node)) found.push({ at: path, text: node });
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => walk(item, [...path, index]));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
    }
  };
  walk(value, at);
  return found;
}

/**
 * Every `{{ path }}` in the strings of `value`, with where its string sits. Malformed templates are
 * skipped: validation reports them, and resolving one fails its step whatever it reads.
 */
export function* templatePathsIn(value: unknown, at: PropertyKey[] = []): Generator<{ at: PropertyKey[]; path: TemplatePath }> {
  for (const template of collectTemplates(value, at)) {
    let parts;
    try {
      parts = parseTemplate(template.text);
    } catch (error) {
      if (error instanceof TemplateSyntaxError) continue;
      throw error;
    }
    for (const part of parts) if (part.kind === 'path') yield { at: template.at, path: part.path };
  }
}
