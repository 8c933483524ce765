import { missingSecret } from '@agentic-flow/executors';
import { stepError, type SecretSlot, type StepError } from '@agentic-flow/spec';

export type FilledConfig = { ok: true; config: unknown } | { ok: false; error: StepError };

/**
 * The job's config with its secret slots filled: the string at each slot's path becomes the slot's
 * pieces joined, each `{ secret }` replaced by that secret's value. Nothing else of the config is
 * read, parsed or resolved — a `{{ secrets.X }}` that a variable or a response put in the config is
 * text, and stays text — so only the definition's own text (the engine made the slots from it) can
 * place a secret. The config is not modified: the containers along each path are copied.
 *
 * A secret the worker does not hold fails the step with `TEMPLATE`; a slot whose path leads nowhere
 * in the config (a job this release did not make) with `INVALID_CONFIG`.
 */
export function fillSecretSlots(config: unknown, slots: readonly SecretSlot[] | undefined, secret: (name: string) => string | undefined): FilledConfig {
  if (slots === undefined || slots.length === 0) return { ok: true, config };
  const copies = new WeakSet<object>();
  const own = <T extends object>(node: T): T => {
    if (copies.has(node)) return node;
    // Own descriptors: a key named "__proto__" is copied as the data it is.
    const copy = (Array.isArray(node) ? [...node] : Object.defineProperties({}, Object.getOwnPropertyDescriptors(node))) as T;
    copies.add(copy);
    return copy;
  };
  if (!isContainer(config)) return { ok: false, error: badSlot([]) };
  const root = own(config);
  for (const slot of slots) {
    let text = '';
    for (const part of slot.parts) {
      if (typeof part === 'string') {
        text += part;
        continue;
      }
      const value = secret(part.secret);
      if (value === undefined) return { ok: false, error: missingSecret(part.secret) };
      text += value;
    }
    if (slot.path.length === 0) return { ok: false, error: badSlot(slot.path) };
    let parent: Record<PropertyKey, unknown> = root as Record<PropertyKey, unknown>;
    for (const [index, key] of slot.path.entries()) {
      if (!Object.hasOwn(parent, key)) return { ok: false, error: badSlot(slot.path) };
      if (index === slot.path.length - 1) {
        if (typeof parent[key] !== 'string') return { ok: false, error: badSlot(slot.path) };
        Object.defineProperty(parent, key, { value: text, enumerable: true, writable: true, configurable: true });
        break;
      }
      const child = parent[key];
      if (!isContainer(child)) return { ok: false, error: badSlot(slot.path) };
      const copy = own(child);
      if (copy !== child) Object.defineProperty(parent, key, { value: copy, enumerable: true, writable: true, configurable: true });
      parent = copy as Record<PropertyKey, unknown>;
    }
  }
  return { ok: true, config: root };
}

function isContainer(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

function badSlot(path: readonly (string | number)[]): StepError {
  return stepError(
    'INVALID_CONFIG',
    `the job's secret slot at config path [${path.map((p) => JSON.stringify(p)).join(', ')}] does not name a string of its config`,
  );
}
