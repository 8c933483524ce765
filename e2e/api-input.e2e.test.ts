import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { json, send, type RawResponse } from './http.js';
import { rowCounter, type RowCounts } from './row-counts.js';

const definition = (overrides: Record<string, unknown> = {}) => ({
  id: 'gate',
  name: 'Gate',
  version: '1',
  steps: [
    { id: 'a', type: 'script', config: { script: 'return 1' }, next: ['b'] },
    { id: 'b', type: 'script', config: { script: 'return 2' } },
  ],
  ...overrides,
});

/** `depth` objects nested as `{ a: { a: … } }` around `leaf`, as JSON text (no recursion). */
const nestedJson = (depth: number, leaf = '1'): string => `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;

function expectError(response: RawResponse, status: number, code: string, problems?: { path: string; message?: unknown }[]): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body).toMatchObject({ error: { code, message: expect.any(String) } });
  if (problems) expect(response.body.error.problems).toEqual(problems.map((p) => ({ message: expect.any(String), ...p })));
}

describe('the input gate: every body, query and path parameter is checked before anything runs', () => {
  let cluster: Cluster;
  let rows: Awaited<ReturnType<typeof rowCounter>>;
  let before: RowCounts;
  let executionId: string;
  const call = (method: string, path: string, body?: string | Uint8Array, contentType?: string) =>
    send(cluster.coordinator.url, method, path, body, contentType);

  beforeAll(async () => {
    cluster = await startCluster([['script']]);
    rows = await rowCounter(cluster.databaseUrl);
    await cluster.client.createWorkflow(definition());
    executionId = await cluster.client.executeWorkflow('gate');
    await cluster.client.waitForCompletion(executionId, { timeoutMs: 30_000 });
  });
  afterAll(async () => {
    await rows?.close();
    await cluster?.stop();
  });
  beforeEach(async () => {
    before = await rows.counts();
  });
  afterEach(async () => {
    // Whatever a test sent, nothing was written.
    expect(await rows.counts()).toEqual(before);
  });

  describe('NUL characters and lone surrogates are 400 INVALID_TEXT at the first offender', () => {
    it('in a workflow name, a script, a variable key or value', async () => {
      expectError(await call('POST', '/v1/workflows', json(definition({ name: 'a\u0000b' })), 'application/json'), 400, 'INVALID_TEXT', [{ path: '$.name' }]);
      const steps = definition().steps;
      expectError(
        await call(
          'POST',
          '/v1/workflows',
          json(definition({ steps: [steps[0], { ...steps[1], config: { script: 'return "\u0000"' } }] })),
          'application/json',
        ),
        400,
        'INVALID_TEXT',
        [{ path: '$.steps[1].config.script', message: expect.stringContaining('NUL') }],
      );
      expectError(await call('POST', '/v1/workflows/gate/executions', json({ variables: { 'a\u0000b': 1 } }), 'application/json'), 400, 'INVALID_TEXT', [
        { path: '$.body.variables["a\\u0000b"]' },
      ]);
      expectError(await call('POST', '/v1/workflows/gate/executions', json({ variables: { list: [1, 'x\u0000'] } }), 'application/json'), 400, 'INVALID_TEXT', [
        { path: '$.body.variables.list[1]' },
      ]);
    });

    it('lone surrogates, escaped in JSON or in YAML', async () => {
      expectError(await call('POST', '/v1/workflows', '{"id":"s","name":"\\ud800","version":"1","steps":[]}', 'application/json'), 400, 'INVALID_TEXT', [
        { path: '$.name', message: expect.stringContaining('surrogate') },
      ]);
      expectError(await call('POST', '/v1/workflows/gate/executions', '{"variables":{"\\udc00":1}}', 'application/json'), 400, 'INVALID_TEXT', [
        { path: '$.body.variables["\\udc00"]' },
      ]);
      expectError(await call('POST', '/v1/workflows', 'id: y\nname: "x\\ud800"\nversion: "1"\nsteps: []\n', 'application/yaml'), 400, 'INVALID_TEXT', [
        { path: '$.name' },
      ]);
      expectError(await call('POST', '/v1/workflows', 'id: y\nname: "x\\0"\nversion: "1"\nsteps: []\n', 'text/yaml'), 400, 'INVALID_TEXT', [
        { path: '$.name' },
      ]);
    });

    it('through every route that takes a body', async () => {
      const nul = json({ x: '\u0000' });
      const routes: [string, string][] = [
        ['POST', '/v1/workflows'],
        ['POST', '/v1/workflows/gate/executions'],
        ['POST', `/v1/executions/${executionId}/pause`],
        ['POST', `/v1/executions/${executionId}/resume`],
        ['POST', `/v1/executions/${executionId}/cancel`],
        ['POST', `/v1/executions/${executionId}/snapshots`],
        ['POST', `/v1/executions/${executionId}/snapshots/00000000-0000-0000-0000-000000000000/restore`],
        ['PUT', `/v1/executions/${executionId}/auto-snapshots`],
        ['PUT', '/v1/recovery-strategies/script'],
        ['DELETE', '/v1/recovery-strategies/script'],
        ['POST', '/v1/errors/00000000-0000-0000-0000-000000000000/resolve'],
        ['POST', '/v1/dead-letter/script/42/retry'],
        ['DELETE', '/v1/dead-letter/script/42'],
        ['PUT', '/v1/circuit-breakers/config'],
        ['DELETE', '/v1/circuit-breakers/some-host'],
      ];
      for (const [method, path] of routes) {
        // Paths are rooted where the route's own validation problems are: a definition is the body.
        const where = path === '/v1/workflows' ? '$.x' : '$.body.x';
        expectError(await call(method, path, nul, 'application/json'), 400, 'INVALID_TEXT', [{ path: where }]);
        expectError(await call(method, path, 'x: "\\0"', 'application/yaml'), 400, 'INVALID_TEXT', [{ path: where }]);
      }
      expect((await cluster.client.getExecution(executionId)).status).toBe('completed');
    });

    it('the resolution output of an escalated error', async () => {
      expectError(
        await call(
          'POST',
          '/v1/errors/00000000-0000-0000-0000-000000000000/resolve',
          json({ action: 'output', output: { note: 'a\u0000' } }),
          'application/json',
        ),
        400,
        'INVALID_TEXT',
        [{ path: '$.body.output.note' }],
      );
    });
  });

  it('refuses a body that is not UTF-8, naming the first bad byte, instead of storing U+FFFD', async () => {
    const text = json(definition({ id: 'latin', name: 'caf' }));
    const at = text.indexOf('caf') + 3;
    const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xe9]), Buffer.from(text.slice(at))]);
    expectError(await call('POST', '/v1/workflows', bytes, 'application/json'), 400, 'INVALID_TEXT', [
      { path: '$', message: expect.stringContaining(`byte ${at}`) },
    ]);
    expectError(
      await call('POST', '/v1/workflows/gate/executions', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'application/json; charset=utf-8'),
      400,
      'INVALID_TEXT',
      [{ path: '$.body' }],
    );
    // A UTF-8 encoded surrogate (ED A0 80) is not UTF-8 either.
    expectError(await call('POST', '/v1/workflows', Buffer.from('id: "\xed\xa0\x80"', 'latin1'), 'application/yaml'), 400, 'INVALID_TEXT', [{ path: '$' }]);
  });

  describe('nesting deeper than 200 levels is 400 NESTING_TOO_DEEP, however deep', () => {
    it('variables 5,000 deep and a definition 3,000 deep', async () => {
      const deepVariables = await call(
        'POST',
        '/v1/workflows/gate/executions',
        `{"variables":{"v":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
        'application/json',
      );
      expectError(deepVariables, 400, 'NESTING_TOO_DEEP', [{ path: `$.body.variables.v${'[0]'.repeat(198)}` }]);
      const deepDefinition = json(definition({ id: 'deep' })).replace(/}$/, `,"variables":${nestedJson(3000)}}`);
      expectError(await call('POST', '/v1/workflows', deepDefinition, 'application/json'), 400, 'NESTING_TOO_DEEP', [
        { path: `$.variables${'.a'.repeat(199)}` },
      ]);
      // 200 levels are fine (the body itself is the first).
      expect(
        (await call('POST', '/v1/workflows/no-such-workflow/executions', `{"variables":{"v":${'['.repeat(198)}${']'.repeat(198)}}}`, 'application/json'))
          .status,
      ).toBe(404);
    });

    it('YAML nested 250,000 deep is refused before it is parsed, and the coordinator lives', async () => {
      for (const yaml of [`id: deep\nvariables: ${'['.repeat(250_000)}${']'.repeat(250_000)}\n`, `${'- '.repeat(20_000)}x\n`]) {
        const started = Date.now();
        expectError(await call('POST', '/v1/workflows', yaml, 'application/yaml'), 400, 'NESTING_TOO_DEEP', [
          { path: '$', message: expect.stringMatching(/^nested deeper than 200 levels at line \d, column \d+$/) },
        ]);
        expect(Date.now() - started).toBeLessThan(5_000);
      }
      expect((await call('GET', '/healthz')).status).toBe(200);
    });
  });

  describe('YAML cannot stall the coordinator (found by api-fuzz)', () => {
    it('a body of 30,000 keys is checked for duplicates in linear time', async () => {
      const yaml = `variables:\n${Array.from({ length: 30_000 }, (_, i) => `  "k${i}": x`).join('\n')}\n`;
      const started = Date.now();
      expectError(await call('POST', '/v1/workflows/no-such-workflow/executions', yaml, 'application/yaml'), 404, 'WORKFLOW_NOT_FOUND');
      expect(Date.now() - started).toBeLessThan(5_000);
      expectError(await call('POST', '/v1/workflows/no-such-workflow/executions', `${yaml}variables: {}\n`, 'application/yaml'), 400, 'VALIDATION_FAILED', [
        { path: '$.body', message: expect.stringMatching(/^invalid YAML at line 30002, column 1: Map keys must be unique/) },
      ]);
    });

    it('a YAML body over 512 KiB is 413; the same as JSON is read', async () => {
      const variables = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 'x']));
      const yaml = `variables:\n${Object.keys(variables)
        .map((k) => `  ${k}: x`)
        .join('\n')}\n`;
      expect(yaml.length).toBeGreaterThan(512 * 1024);
      expectError(await call('POST', '/v1/workflows/no-such-workflow/executions', yaml, 'application/yaml'), 413, 'PAYLOAD_TOO_LARGE');
      expectError(await call('POST', '/v1/workflows/no-such-workflow/executions', json({ variables }), 'application/json'), 404, 'WORKFLOW_NOT_FOUND');
    });
  });

  describe('YAML aliases cannot loop or explode', () => {
    it('a cycle, a billion laughs and an unknown anchor are 400 VALIDATION_FAILED', async () => {
      const head = 'id: yaml-alias\nname: x\nversion: "1"\nsteps: [{id: s, type: script, config: {script: return 1}}]\n';
      const bombs = [
        `${head}variables: &v\n  a: *v\n  b: *v\n`,
        `${head}variables:\n  a: &a [x,x,x,x,x,x,x,x,x,x]\n  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n  d: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`,
        `${head}variables: *nowhere\n`,
      ];
      for (const yaml of bombs)
        expectError(await call('POST', '/v1/workflows', yaml, 'application/yaml'), 400, 'VALIDATION_FAILED', [
          { path: '$', message: expect.stringMatching(/^invalid YAML/) },
        ]);
    });
  });

  describe('content types', () => {
    it('refuses text/plain, form data and bodies without a content type with 415', async () => {
      const yaml = 'id: plain\nname: x\nversion: "1"\nsteps: [{id: s, type: script, config: {script: return 1}}]\n';
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json-patch+json',
        'application/jsonx',
        'application/json; charset=latin1',
      ]) {
        expectError(await call('POST', '/v1/workflows', yaml, type), 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
      const untyped = await fetch(`${cluster.coordinator.url}/v1/workflows`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cluster.coordinator.adminKey}` },
        body: new Blob([yaml]),
      });
      expect(untyped.status).toBe(415);
      expect(await untyped.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('application/json') } });
    });

    it('accepts JSON and every YAML type, with a charset', async () => {
      const types = [
        'application/json; charset=utf-8',
        'application/yaml',
        'text/yaml; charset=UTF-8',
        'application/x-yaml',
        'text/x-yaml',
        'APPLICATION/JSON',
      ];
      for (const [i, type] of types.entries()) {
        const body = type.toLowerCase().includes('json')
          ? json(definition({ id: `typed-${i}` }))
          : `id: typed-${i}\nname: x\nversion: "1"\nsteps: [{id: s, type: script, config: {script: return 1}}]\n`;
        const response = await call('POST', '/v1/workflows', body, type);
        expect(response.status, `${type}: ${JSON.stringify(response.body)}`).toBe(201);
      }
      before = await rows.counts();
    });
  });

  describe('query strings and path parameters', () => {
    it('NUL characters are 400 INVALID_TEXT naming the parameter', async () => {
      expectError(await call('GET', '/v1/executions?workflowId=a%00b'), 400, 'INVALID_TEXT', [{ path: '$.query.workflowId' }]);
      expectError(await call('GET', '/v1/dead-letter/http/a%00b'), 400, 'INVALID_TEXT', [{ path: '$.params.jobId' }]);
      expectError(await call('DELETE', '/v1/circuit-breakers/a%00b'), 400, 'INVALID_TEXT', [{ path: '$.params.key' }]);
      expectError(await call('GET', '/v1/workflows/a%00/versions/1'), 400, 'INVALID_TEXT', [{ path: '$.params.workflowId' }]);
    });

    it('invalid percent-encoding is 400 INVALID_TEXT, never a 500 or another error shape', async () => {
      expectError(await call('GET', '/v1/executions?workflowId=%ZZ'), 400, 'INVALID_TEXT', [{ path: '$.query.workflowId' }]);
      expectError(await call('GET', '/v1/executions?cursor=%ED%A0%80'), 400, 'INVALID_TEXT', [{ path: '$.query.cursor' }]);
      expectError(await call('GET', '/v1/executions?%E0=1'), 400, 'INVALID_TEXT', [{ path: '$.query' }]);
      expectError(await call('GET', '/v1/executions/%ZZ'), 400, 'INVALID_TEXT', [{ path: '$.params' }]);
      expectError(await call('DELETE', '/v1/circuit-breakers/%ED%A0%80'), 400, 'INVALID_TEXT', [{ path: '$.params' }]);
    });

    it("a URL over 16 KiB gets our error shape, not the HTTP parser's (found by api-fuzz)", async () => {
      expectError(await call('GET', `/v1/workflows?cursor=${'x'.repeat(20_000)}`), 431, 'HEADERS_TOO_LARGE');
      const raw = await new Promise<string>((resolve, reject) => {
        const url = new URL(cluster.coordinator.url);
        const socket = connect(Number(url.port), url.hostname, () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'INVALID_REQUEST', message: expect.any(String) } });
    });

    it('long path parameters get our error shape; a 128-character workflow id is found', async () => {
      const long = 'w'.repeat(128);
      expectError(await call('GET', `/v1/workflows/${long}`), 404, 'WORKFLOW_NOT_FOUND');
      expectError(await call('GET', `/v1/workflows/${'w'.repeat(5000)}`), 400, 'VALIDATION_FAILED', [{ path: '$.params' }]);
    });
  });

  describe('forged cursors are 400 INVALID_CURSOR before any SQL', () => {
    const cursor = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
    const forged = [
      cursor(['2026-01-01T00:00:00.000Z', 'not-a-uuid']),
      cursor(['2026-13-01T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']),
      cursor(['-100000-01-01T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']),
      cursor(['+275760-09-13T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']),
      cursor(['2026-01-01', '00000000-0000-0000-0000-000000000000']),
      cursor(['2026-01-01T00:00:00.000Z', 42]),
      cursor({ createdAt: '2026-01-01T00:00:00.000Z' }),
      cursor('not json'),
      'garbage!',
      '%E2%82%AC',
    ];

    it('on the executions list', async () => {
      // Three strings would be a workflows cursor (a timestamp, a workflow id and a version), not an executions one.
      for (const c of [...forged, cursor(['2026-01-01T00:00:00.000Z', '00000000-0000-0000-0000-000000000000', '1'])])
        expectError(await call('GET', `/v1/executions?cursor=${c}`), 400, 'INVALID_CURSOR', [{ path: '$.query.cursor' }]);
    });

    it('on the workflows list, whose keys are a workflow id and a version', async () => {
      const bad = [
        ...forged,
        cursor(['2026-01-01T00:00:00.000Z', '1', '2', '3']),
        cursor(['2026-01-01T00:00:00.000Z', 'a\u0000', '1']),
        cursor(['2026-01-01T00:00:00.000Z', 'ok', '']),
        cursor(['2026-01-01T00:00:00.000Z', '\ud800', '1']),
      ];
      for (const c of bad) expectError(await call('GET', `/v1/workflows?cursor=${c}`), 400, 'INVALID_CURSOR', [{ path: '$.query.cursor' }]);
    });

    it('cursors the API returned still page through', async () => {
      const first = await cluster.client.listWorkflows({ limit: 1 });
      expect(first.nextCursor).not.toBeNull();
      const second = await cluster.client.listWorkflows({ limit: 1, cursor: first.nextCursor! });
      expect(second.items[0]!.createdAt <= first.items[0]!.createdAt).toBe(true);
      expect(await cluster.client.listExecutions({ limit: 1 })).toMatchObject({ items: [{ id: executionId }], nextCursor: null });
    });
  });

  it('still answers after all of it', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
  });
});
