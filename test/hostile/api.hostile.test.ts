import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, send } from '../../e2e/http.js';
import { rowCounter, type RowCounts } from '../../e2e/row-counts.js';
import { startHostileCluster, type HostileCluster } from './hostile-cluster.js';
import { TEST_ADMIN_KEY } from '@agentic-flow/testing';

/** `depth` objects nested as `{ "a": { "a": … } }`, as JSON text (built without recursion). */
const nestedJson = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const definition = (overrides: Record<string, unknown> = {}) => ({
  id: 'gate',
  name: 'Gate',
  version: '1',
  steps: [{ id: 'a', type: 'script', config: { script: 'return 1' } }],
  ...overrides,
});

interface Attack {
  name: string;
  method: string;
  path: string;
  body?: string | Uint8Array;
  contentType?: string;
  /** Announce the body's length and send only the headers. */
  announceOnly?: boolean;
  status: number;
  code: string;
}

const ATTACKS: Attack[] = [
  {
    name: 'a NUL character in a workflow name',
    method: 'POST',
    path: '/v1/workflows',
    body: json(definition({ name: 'a\u0000b' })),
    contentType: 'application/json',
    status: 400,
    code: 'INVALID_TEXT',
  },
  {
    name: 'a NUL character in a script',
    method: 'POST',
    path: '/v1/workflows',
    body: json(definition({ steps: [{ id: 'a', type: 'script', config: { script: 'return "\u0000"' } }] })),
    contentType: 'application/json',
    status: 400,
    code: 'INVALID_TEXT',
  },
  {
    name: 'a NUL character in a variable name',
    method: 'POST',
    path: '/v1/workflows/gate/executions',
    body: json({ variables: { 'a\u0000b': 1 } }),
    contentType: 'application/json',
    status: 400,
    code: 'INVALID_TEXT',
  },
  {
    name: 'a lone surrogate in a variable value',
    method: 'POST',
    path: '/v1/workflows/gate/executions',
    body: '{"variables":{"v":"\\ud800"}}',
    contentType: 'application/json',
    status: 400,
    code: 'INVALID_TEXT',
  },
  {
    name: 'a NUL character in YAML',
    method: 'POST',
    path: '/v1/workflows',
    body: 'id: gate\nname: "a\\0b"\nversion: "2"\nsteps:\n  - id: a\n    type: script\n    config: { script: "return 1" }\n',
    contentType: 'application/yaml',
    status: 400,
    code: 'INVALID_TEXT',
  },
  {
    name: 'bytes that are not UTF-8',
    method: 'POST',
    path: '/v1/workflows',
    body: Uint8Array.from([...Buffer.from('{"id":"gate","name":"'), 0xff, 0xfe, ...Buffer.from('","version":"3","steps":[]}')]),
    contentType: 'application/json',
    status: 400,
    code: 'INVALID_TEXT',
  },
  {
    name: 'variables nested 5,000 deep',
    method: 'POST',
    path: '/v1/workflows/gate/executions',
    body: `{"variables":${nestedJson(5000)}}`,
    contentType: 'application/json',
    status: 400,
    code: 'NESTING_TOO_DEEP',
  },
  {
    name: 'a definition nested 3,000 deep',
    method: 'POST',
    path: '/v1/workflows',
    body: json(definition()).replace('"return 1"', `"return 1","extra":${nestedJson(3000)}`),
    contentType: 'application/json',
    status: 400,
    code: 'NESTING_TOO_DEEP',
  },
  {
    name: 'YAML flow sequences nested 100,000 deep',
    method: 'POST',
    path: '/v1/workflows',
    body: `id: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
    contentType: 'application/yaml',
    status: 400,
    code: 'NESTING_TOO_DEEP',
  },
  {
    name: 'a YAML alias bomb',
    method: 'POST',
    path: '/v1/workflows',
    body: [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...'bcdefghij'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(',')}]`),
      'id: gate',
    ].join('\n'),
    contentType: 'application/yaml',
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'duplicate keys in YAML',
    method: 'POST',
    path: '/v1/workflows',
    body: 'id: gate\nid: other\nname: x\nversion: "4"\nsteps: []\n',
    contentType: 'application/yaml',
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a step type that is a prototype member',
    method: 'POST',
    path: '/v1/workflows',
    body: json(
      definition({
        version: '5',
        steps: [
          { id: 'a', type: '__proto__', config: {} },
          { id: 'b', type: 'constructor', config: {} },
        ],
      }),
    ),
    contentType: 'application/json',
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a forged keyset cursor',
    method: 'GET',
    path: `/v1/executions?cursor=${Buffer.from(JSON.stringify({ t: '2026-01-01T00:00:00.000Z', id: "x' OR 1=1 --" })).toString('base64url')}`,
    status: 400,
    code: 'INVALID_CURSOR',
  },
  {
    name: 'a text/plain body',
    method: 'POST',
    path: '/v1/workflows',
    body: 'id: gate\n',
    contentType: 'text/plain',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  { name: 'a body with no content type', method: 'POST', path: '/v1/workflows/gate/executions', body: '{}', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  {
    name: 'a body over the size limit',
    method: 'POST',
    path: '/v1/workflows',
    body: json(definition({ description: 'x'.repeat(6 * 1024 * 1024) })),
    contentType: 'application/json',
    announceOnly: true,
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  { name: 'a NUL character in a path parameter', method: 'GET', path: '/v1/workflows/ga%00te', status: 400, code: 'INVALID_TEXT' },
  { name: 'invalid percent-encoding in a query', method: 'GET', path: '/v1/executions?status=%E0%A4%A', status: 400, code: 'INVALID_TEXT' },
];

/**
 * An oversized request as a client that announces its body's length: the server must refuse it from
 * the header alone, before reading any of it (sending it all would only end in a broken pipe).
 */
function sendAnnounced(baseUrl: string, attack: Attack): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const length = typeof attack.body === 'string' ? Buffer.byteLength(attack.body) : (attack.body?.length ?? 0);
    const req = request(
      `${baseUrl}${attack.path}`,
      {
        method: attack.method,
        headers: { 'content-type': attack.contentType ?? 'application/json', 'content-length': String(length), authorization: `Bearer ${TEST_ADMIN_KEY}` },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        });
      },
    );
    req.on('error', reject);
    req.flushHeaders();
  });
}

describe('hostile requests get a clear 4xx, write nothing and leave the coordinator serving', () => {
  let hostile: HostileCluster;
  let rows: Awaited<ReturnType<typeof rowCounter>>;
  beforeAll(async () => {
    hostile = await startHostileCluster([['script']]);
    rows = await rowCounter(hostile.cluster.databaseUrl);
    await hostile.cluster.client.createWorkflow(definition());
  });
  afterAll(async () => {
    await rows?.close();
    await hostile?.stop();
  });

  it.each(ATTACKS.map((attack) => [attack.name, attack] as const))('%s', async (_name, attack) => {
    const before: RowCounts = await rows.counts();
    const { url } = hostile.cluster.coordinator;
    const response = attack.announceOnly ? await sendAnnounced(url, attack) : await send(url, attack.method, attack.path, attack.body, attack.contentType);
    expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(attack.status);
    expect(response.body).toMatchObject({ error: { code: attack.code, message: expect.any(String) } });
    expect(await rows.counts()).toEqual(before);
    await hostile.expectServing();
  });
});
