import { allowsSecretAt, describeSlot, malformedSecretReference, secretNameOf, type SecretFields, type SecretSlot, type SecretSlotPart } from './secrets.js';
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

/** A config with every template resolved but its secrets, and where the worker puts those. */
export interface SlottedConfig<T> {
  /** The config; a string holding secrets reads as its slot describes it (`Bearer {{ secrets.TOKEN }}`). */
  value: T;
  /** In definition order; empty when the config references no secret. */
  secretSlots: SecretSlot[];
}

/**
 * Resolves every `{{ path }}` in a step's config against `scope`, once, except `{{ secrets.NAME }}`:
 * a string whose *definition text* references secrets becomes a {@link SecretSlot} — its path and
 * its pieces (literal text, resolved text, secret names) — for the worker to fill. Resolved values
 * are data: whatever text they hold (`{{ secrets.X }}` included) is never read as a template, here
 * or later, so only the definition's own text can ever place a secret.
 *
 * `secretFields` is the step type's policy (`SECRET_POLICIES`): a secret referenced anywhere else,
 * or a `secrets` path that is not exactly one named secret, throws {@link TemplateResolutionError}
 * (registration refuses such definitions; this guards those stored before it did). Like
 * {@link resolveTemplates} it shares untemplated subtrees with the input.
 */
export function resolveWithSecretSlots<T>(value: T, scope: TemplateScope, secretFields: SecretFields): SlottedConfig<T> {
  const secretSlots: SecretSlot[] = [];
  // One stack of keys for the whole walk: a slot copies it, nothing else allocates a path.
  const path: (string | number)[] = [];
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return hasTemplate(node) ? resolveSlotted(node, scope, secretFields, path, secretSlots) : node;
    if (Array.isArray(node)) {
      let copy: unknown[] | undefined;
      node.forEach((item, index) => {
        path.push(index);
        const resolved = walk(item);
        path.pop();
        if (resolved !== item) (copy ??= [...node])[index] = resolved;
      });
      return copy ?? node;
    }
    if (node !== null && typeof node === 'object') {
      let copy: Record<string, unknown> | undefined;
      for (const [key, item] of Object.entries(node)) {
        path.push(key);
        const resolved = walk(item);
        path.pop();
        if (resolved !== item) {
          copy ??= { ...(node as Record<string, unknown>) };
          // defineProperty: a key named "__proto__" is data, never the prototype.
          Object.defineProperty(copy, key, { value: resolved, enumerable: true, writable: true, configurable: true });
        }
      }
      return copy ?? node;
    }
    return node;
  };
  return { value: walk(value) as T, secretSlots };
}

function resolveSlotted(text: string, scope: TemplateScope, fields: SecretFields, path: readonly (string | number)[], slots: SecretSlot[]): unknown {
  const parts = parseTemplate(text);
  if (!parts.some((part) => part.kind === 'path' && part.path.root === 'secrets')) return resolveString(text, scope, []);
  const pieces: SecretSlotPart[] = [];
  const add = (piece: SecretSlotPart): void => {
    const last = pieces[pieces.length - 1];
    if (typeof piece === 'string' && typeof last === 'string') pieces[pieces.length - 1] = last + piece;
    else if (piece !== '') pieces.push(piece);
  };
  for (const part of parts) {
    if (part.kind === 'text') {
      add(part.text);
      continue;
    }
    if (part.path.root !== 'secrets') {
      add(stringify(lookup(part.path, scope)));
      continue;
    }
    const name = secretNameOf(part.path);
    if (name === undefined) throw new TemplateResolutionError(malformedSecretReference(part.path), part.path.source);
    if (!allowsSecretAt(fields, path)) {
      throw new TemplateResolutionError(`template "{{ ${part.path.source} }}" references a secret where this step type allows none`, part.path.source);
    }
    add({ secret: name });
  }
  const slot: SecretSlot = { path: [...path], parts: pieces };
  slots.push(slot);
  return describeSlot(pieces);
}

/**
 * Follows a path through own properties only, so `constructor` or `__proto__` never resolve. A
 * path that stops early says where, and what is there instead: the keys of the object it stopped
 * in, or what the value is.
 */
export function lookup(path: TemplatePath, scope: TemplateScope): unknown {
  let current: unknown = scope;
  const keys: (string | number)[] = [path.root, ...path.segments];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) {
      const reached = i === 0 ? '' : ` (resolved up to "${describe(keys.slice(0, i))}", ${whatIsThere(current, key)})`;
      throw new TemplateResolutionError(`template "{{ ${path.source} }}" does not resolve${reached}`, path.source);
    }
    current = (current as Record<string | number, unknown>)[key];
  }
  if (current === undefined) {
    throw new TemplateResolutionError(`template "{{ ${path.source} }}" does not resolve`, path.source);
  }
  return current;
}

/** Keys listed when a template stops in an object, at most. */
const MAX_LISTED_KEYS = 20;

/** What a path found where it stopped: `which has no "data" (its keys: items, count)`, `which is a string`. */
function whatIsThere(value: unknown, key: string | number): string {
  if (value === null) return 'which is null';
  if (Array.isArray(value)) return `which is an array of ${value.length} items, with no [${JSON.stringify(key)}]`;
  if (typeof value !== 'object') return `which is a ${typeof value}`;
  const keys = Object.keys(value);
  if (keys.length === 0) return `which has no ${JSON.stringify(String(key))} (it is empty)`;
  const more = keys.length > MAX_LISTED_KEYS ? `, … ${keys.length - MAX_LISTED_KEYS} more` : '';
  return `which has no ${JSON.stringify(String(key))} (its keys: ${keys.slice(0, MAX_LISTED_KEYS).join(', ')}${more})`;
}

function describe(keys: (string | number)[]): string {
  return keys.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`)).join('');
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}
