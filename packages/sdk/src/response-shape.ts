/**
 * What a method needs of a successful answer, checked before it is returned: a reply without it
 * (a proxy's page, another service on the port, a truncated body) becomes a `BadResponseError` at
 * the call, rather than `undefined` that fails somewhere later. Returns what is wrong, or undefined.
 */
export type ResponseCheck = (body: unknown) => string | undefined;

type FieldKind = 'string' | 'number' | 'boolean' | 'array' | 'object';

const kindOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** A JSON object with (at least) these fields of these kinds. */
export function fields(expected: Record<string, FieldKind>): ResponseCheck {
  return (body) => {
    if (kindOf(body) !== 'object') return `${kindOf(body)} where an object was expected`;
    for (const [name, kind] of Object.entries(expected)) {
      const actual = kindOf((body as Record<string, unknown>)[name]);
      if (actual !== kind) return `no ${kind} "${name}" (${actual === 'undefined' ? 'missing' : actual})`;
    }
    return undefined;
  };
}

/** Any JSON object. */
export const anObject: ResponseCheck = fields({});

/** A list: an object with an `items` array. */
export const aList: ResponseCheck = fields({ items: 'array' });

/** No requirement (an empty 204, an answer nobody reads). */
export const anything: ResponseCheck = () => undefined;
