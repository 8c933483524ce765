import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: Node hands its `module.exports` (the plugin) to a default import, while
// TypeScript types that import as the module namespace. This line reconciles the two views.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/**
 * JSON Schema validation for agent output schemas and tool parameters, with ajv.
 *
 * Why ajv and not zod's `z.fromJSONSchema` (zod 4.6): zod's converter is marked semi-experimental,
 * throws on `not`, `if/then/else`, `dependentRequired` and `unevaluated*`, and accepts invalid
 * schemas such as `{ "minimum": "x" }` silently. ajv implements the drafts fully and checks the
 * schema against its meta-schema, so an invalid schema is an `INVALID_CONFIG`, not a surprise.
 */

/** One way a value fails its schema: a JSON path (`$.items[0].name`) and what is wrong there. */
export interface SchemaViolation {
  path: string;
  message: string;
}

/** Validates a value; an empty list means it conforms. */
export type JsonValidator = (value: unknown) => SchemaViolation[];

export type CompileResult = { ok: true; validate: JsonValidator } | { ok: false; message: string };

/** Compiled validators by schema text. Bounded: schemas come from step configs, one per job. */
const cache = new Map<string, JsonValidator>();
const CACHE_SIZE = 200;
const MAX_VIOLATIONS = 20;

/**
 * Compiles a JSON Schema (draft-07 by default; 2019-09 and 2020-12 when `$schema` names them).
 * Formats (`date-time`, `email`, `uri`…) are checked; unknown keywords are ignored, as most
 * validators do, so annotations like `example` don't make a schema invalid.
 *
 * @example
 * const compiled = compileJsonSchema({ type: 'object', required: ['n'], properties: { n: { type: 'integer' } } });
 * if (compiled.ok) compiled.validate({ n: 'x' }); // [{ path: '$.n', message: 'must be integer' }]
 */
export function compileJsonSchema(schema: Record<string, unknown>): CompileResult {
  let key: string;
  try {
    key = JSON.stringify(schema);
  } catch (error) {
    return { ok: false, message: `not JSON: ${(error as Error).message}` };
  }
  const cached = cache.get(key);
  if (cached) {
    // Refresh its place: the map's order is the eviction order.
    cache.delete(key);
    cache.set(key, cached);
    return { ok: true, validate: cached };
  }
  let compiled: ValidateFunction;
  try {
    // A fresh ajv per schema: ajv caches every schema it compiled by object identity, forever, and
    // two step configs with the same `$id` but different content would collide in a shared one.
    compiled = validatorFactory(schema['$schema']).compile(schema);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const validate: JsonValidator = (value) => (compiled(value) ? [] : violationsOf(compiled.errors ?? []));
  cache.set(key, validate);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return { ok: true, validate };
}

function validatorFactory(draft: unknown): Ajv {
  const options = { allErrors: true, strict: false } as const;
  const text = typeof draft === 'string' ? draft : '';
  const ajv = text.includes('2020-12') ? new Ajv2020(options) : text.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  addFormats(ajv);
  return ajv;
}

/** ajv's errors as paths a model (and a person) can read, at most {@link MAX_VIOLATIONS}. */
function violationsOf(errors: readonly ErrorObject[]): SchemaViolation[] {
  const violations = errors.slice(0, MAX_VIOLATIONS).map((error) => {
    const path = jsonPath(error.instancePath);
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'additionalProperties') return { path, message: `unexpected property "${String(params['additionalProperty'])}"` };
    if (error.keyword === 'enum') return { path, message: `must be one of ${JSON.stringify(params['allowedValues'])}` };
    return { path, message: error.message ?? `fails "${error.keyword}"` };
  });
  if (errors.length > MAX_VIOLATIONS) violations.push({ path: '$', message: `…and ${errors.length - MAX_VIOLATIONS} more problems` });
  return violations;
}

/** `/items/0/first name` → `$.items[0]["first name"]`. */
function jsonPath(pointer: string): string {
  let path = '$';
  if (pointer === '') return path;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}
