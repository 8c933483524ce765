import { hasTemplate, parseTemplate, type TemplatePath, type TemplateRoot } from './templates.js';

export type TemplateScope = Partial<Record<TemplateRoot, unknown>>;

export class TemplateResolutionError extends Error {
  constructor(
    message: string,
    /** The template path that did not resolve, as written. */
    readonly templatePath: string,
  ) {
    super(message);
    this.name = 'TemplateResolutionError';
  }
}

export interface ResolveOptions {
  /** Roots left as written, for a later stage: the coordinator leaves `secrets` to the worker. */
  deferRoots?: readonly TemplateRoot[];
}

/**
 * Resolves every `{{ path }}` in a JSON value against `scope`. Returns the input itself when it
 * holds no template, so an untemplated config costs a walk and no allocation.
 * Throws {@link TemplateResolutionError} for a path that does not resolve and
 * `TemplateSyntaxError` for a malformed template.
 */
export function resolveTemplates<T>(value: T, scope: TemplateScope, options: ResolveOptions = {}): T {
  return resolveNode(value, scope, options.deferRoots ?? []) as T;
}

function resolveNode(node: unknown, scope: TemplateScope, defer: readonly TemplateRoot[]): unknown {
  if (typeof node === 'string') return hasTemplate(node) ? resolveString(node, scope, defer) : node;
  if (Array.isArray(node)) {
    let copy: unknown[] | undefined;
    node.forEach((item, index) => {
      const resolved = resolveNode(item, scope, defer);
      if (resolved !== item) (copy ??= [...node])[index] = resolved;
    });
    return copy ?? node;
  }
  if (node !== null && typeof node === 'object') {
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(node)) {
      const resolved = resolveNode(item, scope, defer);
      if (resolved !== item) (copy ??= { ...(node as Record<string, unknown>) })[key] = resolved;
    }
    return copy ?? node;
  }
  return node;
}

function resolveString(text: string, scope: TemplateScope, defer: readonly TemplateRoot[]): unknown {
  const parts = parseTemplate(text);
  const only = parts.length === 1 ? parts[0]! : undefined;
  if (only?.kind === 'path') {
    const { path } = only;
    return defer.includes(path.root) ? text : lookup(path, scope);
  }
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') out += part.text;
    else if (defer.includes(part.path.root)) out += `{{ ${part.path.source} }}`;
    else out += stringify(lookup(part.path, scope));
  }
  return out;
}

/** Follows a path through own properties only, so `constructor` or `__proto__` never resolve. */
export function lookup(path: TemplatePath, scope: TemplateScope): unknown {
  let current: unknown = scope;
  const keys: (string | number)[] = [path.root, ...path.segments];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) {
      const reached = i === 0 ? '' : ` (resolved up to "${describe(keys.slice(0, i))}")`;
      throw new TemplateResolutionError(`template "{{ ${path.source} }}" does not resolve${reached}`, path.source);
    }
    current = (current as Record<string | number, unknown>)[key];
  }
  if (current === undefined) {
    throw new TemplateResolutionError(`template "{{ ${path.source} }}" does not resolve`, path.source);
  }
  return current;
}

function describe(keys: (string | number)[]): string {
  return keys.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`)).join('');
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}
