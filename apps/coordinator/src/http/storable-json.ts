import { z } from 'zod';

/**
 * Where a JSON value holds a NUL character (`\u0000`), which PostgreSQL's jsonb cannot store, as
 * a path below the value; undefined when there is none.
 */
function nulAt(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulAt(value[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return [...path, key];
      const found = nulAt(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** Any JSON value PostgreSQL can store: a NUL character is a 400 naming where it is, not a 500. */
export const StorableJsonSchema = z.unknown().superRefine((value, ctx) => {
  const path = nulAt(value);
  if (path) ctx.addIssue({ code: 'custom', path, message: 'contains a NUL character (\\u0000), which cannot be stored' });
});
