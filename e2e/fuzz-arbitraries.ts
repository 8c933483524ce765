import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';

/**
 * Generators of API requests for the fuzz test: valid workflow definitions and execution bodies
 * from a small model, random mutations of them, odd text, random content types, raw bytes, and
 * query strings and path segments with broken percent-encoding.
 */

export interface FuzzRequest {
  method: 'GET' | 'POST';
  /** Path and query, already encoded (possibly badly, on purpose). */
  path: string;
  body?: Uint8Array;
  contentType?: string;
}

/** A request that fast-check prints readably: a counterexample body can be megabytes. */
function request(fields: FuzzRequest): FuzzRequest {
  return Object.assign(fields, { [fc.toStringMethod]: () => describeRequest(fields) });
}

/** The method, path, content type and the first 400 characters of the body (JSON-escaped, so NULs and bad bytes show). */
export function describeRequest(r: FuzzRequest): string {
  const body = r.body ? ` body(${r.body.length} bytes)=${JSON.stringify(Buffer.from(r.body.subarray(0, 400)).toString('latin1'))}` : '';
  return `${r.method} ${r.path.slice(0, 400)} [content-type: ${r.contentType ?? 'none'}]${body}`;
}

/** Workflow ids the generators share, so executions and lists find registered workflows, and versions collide (409). */
export const WORKFLOW_IDS = ['fuzz-a', 'fuzz-b', 'fuzz-c'] as const;
const VERSIONS = ['1', '1.0.0', '2.0.0-rc.1'] as const;

// ---- text -------------------------------------------------------------------------------------

/** Strings that have broken things before: NUL, lone surrogates, emoji, control and RTL characters, big ones. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83d\ude00', '\u202e', '\ufeff', '\\', '"', '\n', '{{', '}}', '%', 'é', '\u0085'),
      maxLength: 12,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '__proto__', 'constructor', 'prototype', '{{ variables.x }}', '{{ nope', '$.x', '..', '/', '#') },
  // Big: a JSON string of 300 KB, and one over the 5 MiB body limit (413).
  { weight: 1, arbitrary: fc.constantFrom(70_000, 300_000, 6_000_000).map((n) => 'x'.repeat(n)) },
);

/** Any JSON value, with odd strings as keys and values. */
const oddJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });

/**
 * Nesting deep enough to hurt, as a marker string that {@link encode} expands into JSON text:
 * `JSON.stringify` and `structuredClone` of this test's own process overflow their stacks a few
 * thousand levels down, so the deep value exists only as text.
 */
const deepValue = fc
  .tuple(fc.constantFrom(150, 198, 199, 200, 201, 250, 5_000, 100_000), fc.constantFrom('a', 'o'))
  .map(([depth, kind]) => `\u0001deep:${depth}:${kind}\u0001`);
const DEEP_MARKER = /"\\u0001deep:(\d+):([ao])\\u0001"/g;
const expandDeep = (json: string): string =>
  json.replace(DEEP_MARKER, (_match, depth: string, kind: string) => {
    const n = Number(depth);
    return kind === 'a' ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"d":'.repeat(n)}1${'}'.repeat(n)}`;
  });

// ---- the model of valid definitions --------------------------------------------------------------

const stepId = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,10}$/);

const stepOfType = (id: string, next: string | undefined) =>
  fc
    .oneof(
      fc.record({
        id: fc.constant(id),
        type: fc.constant('script'),
        config: fc.record({ script: fc.constantFrom('return 1', 'return { ok: true, v: variables }', 'return results') }),
      }),
      fc.record({
        id: fc.constant(id),
        type: fc.constant('http'),
        config: fc.record({ url: fc.constantFrom('http://127.0.0.1:9/x', '{{ variables.api }}/y'), method: fc.constantFrom('GET', 'POST') }),
      }),
      fc.record({
        id: fc.constant(id),
        type: fc.constant('condition'),
        config: fc.record({ condition: fc.constantFrom('true', 'variables.n > 1'), ...(next ? { trueStep: fc.constant(next) } : {}) }),
      }),
    )
    .map((step) => ({ ...step, ...(next && step.type !== 'condition' ? { next: [next] } : {}) }));

/** A definition the API accepts: a chain of script, http and condition steps. */
export const validDefinition: fc.Arbitrary<Record<string, unknown>> = fc.uniqueArray(stepId, { minLength: 1, maxLength: 5 }).chain((ids) =>
  fc.record(
    {
      // Shared ids collide (200 identical, 409 other content); fresh ones register (201).
      id: fc.oneof(fc.constantFrom(...WORKFLOW_IDS), fc.stringMatching(/^fuzz-[a-z0-9]{1,8}$/)),
      name: fc.string({ minLength: 1, maxLength: 30 }),
      version: fc.constantFrom(...VERSIONS),
      description: fc.string({ maxLength: 40 }),
      variables: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      tokenBudget: fc.integer({ min: 1, max: 1_000_000 }),
      steps: fc.tuple(...ids.map((id, i) => stepOfType(id, ids[i + 1]))),
    },
    { requiredKeys: ['id', 'name', 'version', 'steps'] },
  ),
);

// ---- mutations ----------------------------------------------------------------------------------

type Path = (string | number)[];

/** Every path in a JSON value, root included, without recursion. */
function pathsOf(value: unknown): Path[] {
  const paths: Path[] = [];
  const stack: [unknown, Path][] = [[value, []]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    paths.push(path);
    if (Array.isArray(node)) node.forEach((item, i) => stack.push([item, [...path, i]]));
    else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) stack.push([v, [...path, k]]);
  }
  return paths;
}

/** A copy of `root` with the value at `path` replaced; `root` itself when the path leads through a scalar. */
function setAt(root: unknown, path: Path, replace: (old: unknown) => unknown): unknown {
  if (path.length === 0) return replace(root);
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) {
    parent = parent[key] as Record<string | number, unknown>;
    if (parent === null || typeof parent !== 'object') return root;
  }
  if (parent === null || typeof parent !== 'object') return root;
  const last = path[path.length - 1]!;
  parent[last] = replace(parent[last]);
  return copy;
}

type Mutation = (value: unknown, pick: number) => unknown;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // A value of another type anywhere.
  oddJson.map(
    (replacement): Mutation =>
      (value, pick) =>
        setAt(value, choose(pathsOf(value), pick), () => replacement),
  ),
  // A field nobody knows.
  fc.tuple(oddString, oddJson).map(
    ([key, extra]): Mutation =>
      (value, pick) =>
        setAt(value, choose(objectPaths(value), pick), (old) => ({ ...(old as object), [key]: extra })),
  ),
  // A field removed.
  fc.constant<Mutation>((value, pick) => {
    const path = choose(
      pathsOf(value).filter((p) => p.length > 0 && typeof p[p.length - 1] === 'string'),
      pick,
    );
    if (path.length === 0) return value;
    const copy = structuredClone(value) as Record<string, unknown>;
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent[key as string] as Record<string, unknown>;
    delete parent[path[path.length - 1] as string];
    return copy;
  }),
  // An odd string: NUL, surrogates, huge; in a value or a key.
  fc.tuple(oddString, fc.boolean()).map(
    ([text, asKey]): Mutation =>
      (value, pick) =>
        asKey
          ? setAt(value, choose(objectPaths(value), pick), (old) => ({ ...(old as object), [text]: 1 }))
          : setAt(value, choose(pathsOf(value), pick), () => text),
  ),
  // A reference to a step that is not there, or back to the first step (a cycle).
  fc.tuple(oddString, fc.boolean()).map(
    ([ref, cycle]): Mutation =>
      (value) => {
        const steps = (value as { steps?: unknown } | null)?.steps;
        if (!Array.isArray(steps) || steps.length === 0) return value;
        const first = steps[0] as { id?: unknown } | null;
        return setAt(value, ['steps', steps.length - 1, 'next'], () => [cycle ? first?.id : ref]);
      },
  ),
  // Nesting deep enough to hurt.
  deepValue.map(
    (deep): Mutation =>
      (value, pick) =>
        setAt(value, choose(pathsOf(value), pick), () => deep),
  ),
);

function objectPaths(value: unknown): Path[] {
  return pathsOf(value).filter((path) => {
    let node = value as Record<string | number, unknown>;
    for (const key of path) node = node[key] as Record<string | number, unknown>;
    return node !== null && typeof node === 'object' && !Array.isArray(node);
  });
}

const choose = (paths: Path[], pick: number): Path => paths[pick % Math.max(1, paths.length)] ?? [];

/** A value from `model`, with up to three random mutations. */
const mutated = (model: fc.Arbitrary<unknown>) =>
  fc
    .tuple(model, fc.array(fc.tuple(mutation, fc.nat()), { maxLength: 3 }))
    .map(([value, mutations]) => mutations.reduce((v, [mutate, pick]) => mutate(v, pick), value));

// ---- bodies and content types ---------------------------------------------------------------------

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 3, arbitrary: fc.constantFrom('application/yaml', 'text/yaml', 'application/x-yaml', 'text/x-yaml') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=latin1', 'application/json;charset="UTF-8"'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      'application/json-patch+json',
      'json',
      ';',
      'application/',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** A JSON value sent as a body: as JSON or YAML text (YAML types get YAML half the time), or as raw bytes. */
const body = (value: fc.Arbitrary<unknown>): fc.Arbitrary<{ body: Uint8Array; contentType: string | undefined }> =>
  fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .tuple(value, contentType, fc.boolean())
        .map(([v, type, yaml]) => ({ body: encode(v, yaml && (type ?? '').includes('yaml')), contentType: type })),
    },
    { weight: 1, arbitrary: fc.tuple(fc.uint8Array({ maxLength: 200 }), contentType).map(([bytes, type]) => ({ body: bytes, contentType: type })) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.string({ unit: 'binary', maxLength: 200 }), contentType).map(([text, type]) => ({ body: Buffer.from(text), contentType: type })),
    },
  );

/** JSON text, or YAML text; with deep markers, always JSON (which is YAML too) with the markers expanded. */
function encode(value: unknown, asYaml: boolean): Uint8Array {
  const json = JSON.stringify(value) ?? 'null';
  const deep = json.includes('\\u0001deep:');
  if (asYaml && !deep) return Buffer.from(toYaml(value));
  return Buffer.from(deep ? expandDeep(json) : json);
}

// ---- paths and queries --------------------------------------------------------------------------

/** Percent-encodes every byte of the UTF-8 text but the unreserved ones (encodeURIComponent throws on lone surrogates). */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text))
    out += /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

const brokenEncoding = fc.constantFrom('%ZZ', '%', '%E', '%ED%A0%80', '%C3', '%00', '%FF', '%E2%82', 'a%2', '%25', '+', '%2B');

/** A path segment: an encoded id that may exist, an encoded odd string, or broken percent-encoding. */
const segment = (known: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 3, arbitrary: known },
    { weight: 3, arbitrary: oddString.map((s) => percentEncode(s.slice(0, 2000))) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 5 }), brokenEncoding).map(([s, broken]) => percentEncode(s) + broken) },
  );

const queryValue = (known: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 3, arbitrary: known.map(percentEncode) },
    { weight: 2, arbitrary: oddString.map((s) => percentEncode(s.slice(0, 500))) },
    { weight: 1, arbitrary: brokenEncoding },
  );

const queryString = (params: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.subarray(Object.entries(params)),
      fc.array(
        fc.tuple(
          fc.oneof(
            oddString.map((s) => percentEncode(s.slice(0, 50))),
            brokenEncoding,
          ),
          queryValue(fc.string()),
        ),
        { maxLength: 2 },
      ),
    )
    .chain(([chosen, unknown]) =>
      fc
        .tuple(...chosen.map(([key, value]) => queryValue(value).map((v) => `${key}=${v}`)))
        .map((pairs) => [...pairs, ...unknown.map(([k, v]) => `${k}=${v}`)]),
    )
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`));

// ---- cursors -------------------------------------------------------------------------------------

const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** Cursors: real ones (from `known`), edited ones, and forgeries of every shape. */
export const cursor = (known: () => string[]): fc.Arbitrary<string> =>
  fc.oneof(
    fc.nat().map((i) => known()[i % Math.max(1, known().length)] ?? ''),
    fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('A', '_', '-', '=', '.')).map(([i, at, char]) => {
      const real = known()[i % Math.max(1, known().length)] ?? 'AAAA';
      const p = at % Math.max(1, real.length);
      return real.slice(0, p) + char + real.slice(p + 1);
    }),
    fc
      .tuple(
        fc.oneof(
          fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
          oddString,
        ),
        fc.array(fc.oneof(fc.uuid(), oddString, oddJson), { maxLength: 3 }),
      )
      .map(([at, keys]) => b64(JSON.stringify([at, ...keys]))),
    oddJson.map((v) => b64(JSON.stringify(v) ?? '')),
    oddString,
  );

// ---- requests ------------------------------------------------------------------------------------

export const definitionRequest: fc.Arbitrary<FuzzRequest> = fc
  .oneof({ weight: 3, arbitrary: validDefinition }, { weight: 6, arbitrary: mutated(validDefinition) }, { weight: 1, arbitrary: oddJson })
  .chain((definition) => body(fc.constant(definition)))
  .map(({ body, contentType }) => request({ method: 'POST', path: '/v1/workflows', body, contentType }));

const executeBody = fc.record(
  {
    variables: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
      fc.dictionary(oddString, oddJson, { maxKeys: 4 }),
      oddJson,
      deepValue,
    ),
    version: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...VERSIONS) }, { weight: 1, arbitrary: oddString }, { weight: 1, arbitrary: oddJson }),
    tokenBudget: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) },
      { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER + 2), oddString) },
    ),
  },
  { requiredKeys: [] },
);

export const executionRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    segment(fc.constantFrom(...WORKFLOW_IDS)),
    fc.oneof({ weight: 4, arbitrary: executeBody }, { weight: 2, arbitrary: mutated(executeBody) }, { weight: 1, arbitrary: oddJson }),
  )
  .chain(([id, value]) =>
    body(fc.constant(value)).map(({ body, contentType }) => request({ method: 'POST', path: `/v1/workflows/${id}/executions`, body, contentType })),
  );

export const readRequest = (known: { executionIds: () => string[]; stepRunIds: () => string[]; cursors: () => string[] }): fc.Arbitrary<FuzzRequest> => {
  const executionId = segment(fc.nat().map((i) => known.executionIds()[i % Math.max(1, known.executionIds().length)] ?? 'none'));
  const stepRunId = segment(fc.nat().map((i) => known.stepRunIds()[i % Math.max(1, known.stepRunIds().length)] ?? 'none'));
  const workflowId = segment(fc.constantFrom(...WORKFLOW_IDS));
  const limit = fc.oneof(fc.integer({ min: -5, max: 600 }).map(String), fc.constantFrom('1e2', '0x10', '', 'NaN', '1.5', ' 5', '99999999999999999999'));
  const status = fc
    .array(fc.constantFrom('pending', 'running', 'paused', 'completed', 'failed', 'cancelled', 'bogus', '', ' '), { maxLength: 4 })
    .map((s) => s.join(','));
  return fc.oneof(
    {
      weight: 4,
      arbitrary: queryString({ workflowId: fc.constantFrom(...WORKFLOW_IDS), status, limit, cursor: cursor(known.cursors) }).map((q) =>
        request({ method: 'GET', path: `/v1/executions${q}` }),
      ),
    },
    {
      weight: 3,
      arbitrary: queryString({ id: fc.constantFrom(...WORKFLOW_IDS), limit, cursor: cursor(known.cursors) }).map((q) =>
        request({ method: 'GET', path: `/v1/workflows${q}` }),
      ),
    },
    { weight: 1, arbitrary: workflowId.map((id) => request({ method: 'GET', path: `/v1/workflows/${id}` })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(workflowId, segment(fc.constantFrom(...VERSIONS)))
        .map(([id, v]) => request({ method: 'GET', path: `/v1/workflows/${id}/versions/${v}` })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(executionId, queryString({ include: fc.constantFrom('outputs', 'outputs,outputs', 'output', '') }))
        .map(([id, q]) => request({ method: 'GET', path: `/v1/executions/${id}${q}` })),
    },
    { weight: 1, arbitrary: fc.tuple(executionId, stepRunId).map(([id, run]) => request({ method: 'GET', path: `/v1/executions/${id}/steps/${run}` })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(executionId, fc.constantFrom('logs', 'transcripts', 'snapshots'))
        .map(([id, part]) => request({ method: 'GET', path: `/v1/executions/${id}/${part}` })),
    },
  );
};
