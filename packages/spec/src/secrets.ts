import { z } from 'zod';
import { formatPath, type Problem } from './problem.js';
import { templatePathsIn, type TemplatePath } from './templates.js';

/**
 * Secrets in definitions. A definition names a secret, never holds one: `{{ secrets.NAME }}` in the
 * fields of a step that *send* it (an http step's url, headers, query and body), or, for a script,
 * the name in the step's `secrets` list (the script then reads `secrets.NAME`). Workers hold the
 * values (`AF_SECRET_NAME`, `AF_SECRETS_DIR/NAME`) and fill them in last, into the places the
 * definition's own text put them (see `resolveWithSecretSlots`): a value that came from variables,
 * results or a request is data, and never becomes a secret reference.
 */

/** A secret's name: letters, digits, `_` and `-`, starting with a letter or `_`; at most 128 characters. */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

export const SecretNameSchema = z
  .string()
  .regex(SECRET_NAME_PATTERN, 'must be a secret name: 1-128 letters, digits, "_" or "-", starting with a letter or "_"');

/**
 * Config fields of a step type that may hold `{{ secrets.NAME }}`: each a list of segments, where
 * `*` is any one key or index and a final `**` anything below the field (the field itself included).
 */
export type SecretFields = readonly (readonly string[])[];

/** Where a step type's config may reference secrets, and what to tell an author who put one elsewhere. */
export interface SecretPolicy {
  readonly fields: SecretFields;
  /** Why a reference outside `fields` is refused, and what to do instead. */
  readonly elsewhere: string;
}

/**
 * A step type's {@link SecretPolicy}, from dotted patterns.
 * @example secretPolicy(['url', 'headers.*', 'body.**'], 'secrets go in url, headers or body')
 */
export function secretPolicy(fields: readonly string[], elsewhere: string): SecretPolicy {
  return { fields: fields.map((field) => field.split('.')), elsewhere };
}

/** No field of the step type may reference a secret. */
export function noSecrets(elsewhere: string): SecretPolicy {
  return { fields: [], elsewhere };
}

/** True when the config path `path` (relative to the config) is one of `fields`. */
export function allowsSecretAt(fields: SecretFields, path: readonly PropertyKey[]): boolean {
  return fields.some((pattern) => matches(pattern, path));
}

function matches(pattern: readonly string[], path: readonly PropertyKey[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i]!;
    if (segment === '**' && i === pattern.length - 1) return true;
    if (i >= path.length) return false;
    if (segment !== '*' && segment !== String(path[i])) return false;
  }
  return pattern.length === path.length;
}

/** The secret a template path names: exactly `secrets.NAME` (or `secrets["NAME"]`); otherwise undefined. */
export function secretNameOf(path: TemplatePath): string | undefined {
  if (path.root !== 'secrets' || path.segments.length !== 1) return undefined;
  const name = path.segments[0];
  return typeof name === 'string' && SECRET_NAME_PATTERN.test(name) ? name : undefined;
}

/** Why a `secrets` template path that is not one named secret is refused. */
export function malformedSecretReference(path: TemplatePath): string {
  return `"{{ ${path.source} }}" is not a secret reference: name exactly one secret, as {{ secrets.NAME }} (the secrets object itself, and paths into a secret, are never available)`;
}

/**
 * Every misuse of `{{ secrets… }}` in a step's (raw) config: a reference that is not exactly one
 * named secret, or one outside the fields `policy` allows. `at` is the config's path in the
 * definition, for the problems' paths. Template syntax errors are left to the template check.
 */
export function secretReferenceProblems(config: unknown, policy: SecretPolicy, at: readonly PropertyKey[]): Problem[] {
  const problems: Problem[] = [];
  for (const { at: where, path } of templatePathsIn(config, [...at])) {
    if (path.root !== 'secrets') continue;
    if (secretNameOf(path) === undefined) {
      problems.push({ path: formatPath(where), message: malformedSecretReference(path) });
    } else if (!allowsSecretAt(policy.fields, where.slice(at.length))) {
      problems.push({ path: formatPath(where), message: `"{{ ${path.source} }}" cannot be used here: ${policy.elsewhere}` });
    }
  }
  return problems;
}

/** One piece of a secret slot's string: literal or resolved text, or a secret's name. */
export const SecretSlotPartSchema = z.union([z.string(), z.strictObject({ secret: SecretNameSchema })]);
export type SecretSlotPart = z.infer<typeof SecretSlotPartSchema>;

/**
 * A place in a resolved config that a worker fills with secrets: the string at `path` becomes
 * `parts` joined, each `{ secret }` replaced by that secret's value. Made by the engine from the
 * definition's own text only, so data can never make one.
 */
export const SecretSlotSchema = z.strictObject({
  // A definition nests at most 200 levels (MAX_JSON_DEPTH): so does a slot's path.
  path: z.array(z.union([z.string(), z.number().int().min(0)])).max(256),
  parts: z.array(SecretSlotPartSchema).min(1).max(1000),
});
export type SecretSlot = z.infer<typeof SecretSlotSchema>;

/** How a slot's string reads before a worker fills it: `Bearer {{ secrets.TOKEN }}`. */
export function describeSlot(parts: readonly SecretSlotPart[]): string {
  return parts.map((part) => (typeof part === 'string' ? part : `{{ secrets.${part.secret} }}`)).join('');
}
