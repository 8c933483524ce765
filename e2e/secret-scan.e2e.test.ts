import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionView, WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { databaseTexts, occurrences, redisTexts, type AppProcess, type StoredText } from '@agentic-flow/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { json, send } from './http.js';

/**
 * Secrets never leak: a cluster whose workers hold secrets (`AF_SECRET_*` and a mounted
 * `AF_SECRETS_DIR`) runs workflows that plant them through every path a step has — a server
 * echoing the Authorization header into the output, a 500 echoing the request into the error, a
 * secret in a URL path to a closed port (a NETWORK error), a secret host name (the circuit breaker
 * key), a script that lists secrets and returns, logs and stores them, and variables carrying
 * `{{ secrets.TOKEN }}` text into a template. Then every row of every PostgreSQL table, every key
 * under the cluster's Redis prefix and every line the processes wrote are searched for each secret
 * in its plain, URL-encoded and base64 forms: there must be none. The target is checked to have
 * received the real values, so the scan cannot pass for want of secrets to find.
 */

const TOKEN = 'e2e tok/s3cr3t+value&x=1';
const PATH_KEY = 'pathsecret-8c1f0e';
const HOST = 'hostsecret7d2a9b';
const SCRIPT_KEY = 'script-secret-4e8d21';
/** Mounted as a file in AF_SECRETS_DIR (with the trailing newline Kubernetes files have). */
const DIR_SECRET = 'dir-secret-f00dcafe';
const SECRETS = [TOKEN, PATH_KEY, HOST, SCRIPT_KEY, DIR_SECRET];

/** Each secret as it could be stored: plain, percent-encoded (component and form), base64 and base64url. */
const FORMS = SECRETS.flatMap((value) => [
  value,
  encodeURIComponent(value),
  new URLSearchParams({ x: value }).toString().slice(2),
  Buffer.from(value).toString('base64'),
  Buffer.from(value).toString('base64url'),
]);

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const steps = (list: WorkflowDefinitionInput['steps']): WorkflowDefinitionInput['steps'] => list;
const workflow = (id: string, list: WorkflowDefinitionInput['steps']): WorkflowDefinitionInput => ({ id, name: id, version: '1', steps: list });

describe('secrets never leak into storage, queues or logs', () => {
  let cluster: Cluster;
  let target: { url: string; received: Received[]; close(): Promise<void> };
  let closedPort: number;
  let secretsDir: string;
  let httpWorker: AppProcess;
  const executions: Record<string, ExecutionView> = {};

  const run = async (workflowId: string, variables: Record<string, unknown> = {}): Promise<ExecutionView> => {
    const id = await cluster.client.executeWorkflow(workflowId, { target: target.url, ...variables });
    return cluster.client.waitForCompletion(id, { timeoutMs: 30_000 });
  };

  beforeAll(async () => {
    secretsDir = mkdtempSync(join(tmpdir(), 'af-e2e-secrets-'));
    writeFileSync(join(secretsDir, 'DIR_SECRET'), `${DIR_SECRET}\n`);
    closedPort = await unusedPort();
    [cluster, target] = await Promise.all([
      // No http worker yet: the first http job waits in its queue (see 'resumed' below).
      startCluster([['script']], {
        worker: {
          AF_SECRET_TOKEN: TOKEN,
          AF_SECRET_PATH_KEY: PATH_KEY,
          AF_SECRET_HOST: HOST,
          AF_SECRET_SCRIPT_KEY: SCRIPT_KEY,
          AF_SECRETS_DIR: secretsDir,
          LOG_LEVEL: 'debug',
        },
      }),
      startEchoServer(),
    ]);
    const definitions = [
      workflow(
        'echo',
        steps([
          {
            id: 'call',
            type: 'http',
            config: {
              method: 'POST',
              url: '{{ variables.target }}/echo',
              headers: { Authorization: 'Bearer {{ secrets.TOKEN }}', 'X-Dir': '{{ secrets.DIR_SECRET }}' },
              // Data: a variable holding `{{ secrets.TOKEN }}` text is sent as that text.
              query: { q: '{{ variables.q }}' },
              body: { note: 'n={{ variables.q }}' },
            },
            next: ['forward'],
          },
          // The echoed output, read by a later step: it only ever holds the masked text.
          { id: 'forward', type: 'http', config: { method: 'POST', url: '{{ variables.target }}/echo', body: { previous: '{{ results.call }}' } } },
        ]),
      ),
      workflow(
        'fail500',
        steps([
          {
            id: 'call',
            type: 'http',
            config: {
              method: 'POST',
              url: '{{ variables.target }}/fail',
              headers: { Authorization: 'Bearer {{ secrets.TOKEN }}' },
              body: { token: '{{ secrets.TOKEN }}' },
            },
          },
        ]),
      ),
      workflow(
        'closed-port',
        steps([{ id: 'call', type: 'http', config: { url: `http://127.0.0.1:${closedPort}/v1/{{ secrets.PATH_KEY }}/items`, timeout: 5000 } }]),
      ),
      workflow('secret-host', steps([{ id: 'call', type: 'http', config: { url: 'http://{{ secrets.HOST }}.invalid/', timeout: 5000 } }])),
      workflow(
        'script',
        steps([
          {
            id: 'leak',
            type: 'script',
            config: {
              secrets: ['SCRIPT_KEY', 'TOKEN'],
              script: [
                'console.log("the key is", secrets.SCRIPT_KEY, encodeURIComponent(secrets.TOKEN));',
                'setVariable("copied", secrets.SCRIPT_KEY);',
                'return { key: secrets.SCRIPT_KEY, all: secrets, length: secrets.SCRIPT_KEY.length };',
              ].join('\n'),
            },
          },
        ]),
      ),
      // Queued, withdrawn by a pause and enqueued again by the resume from the run PostgreSQL stored
      // (`jobsForExistingRuns`): the job built again carries the secret slot too.
      workflow(
        'resumed',
        steps([{ id: 'call', type: 'http', config: { url: '{{ variables.target }}/resumed', headers: { Authorization: 'Bearer {{ secrets.TOKEN }}' } } }]),
      ),
    ];
    for (const definition of definitions) await cluster.client.createWorkflow(definition);
    const resumed = await cluster.client.executeWorkflow('resumed', { target: target.url });
    await cluster.client.pauseWorkflow(resumed);
    await cluster.client.resumeWorkflow(resumed);
    httpWorker = await cluster.addWorker(['http']);
    executions['resumed'] = await cluster.client.waitForCompletion(resumed, { timeoutMs: 30_000 });
    executions['echo'] = await run('echo', { q: '{{ secrets.TOKEN }}' });
    executions['fail500'] = await run('fail500');
    executions['closed-port'] = await run('closed-port');
    executions['secret-host'] = await run('secret-host');
    executions['script'] = await run('script');
  });

  afterAll(async () => {
    await Promise.all([cluster?.stop(), target?.close()]);
    if (secretsDir) rmSync(secretsDir, { recursive: true, force: true });
  });

  it('refuses definitions that would expose secrets, with the path of the offending field', async () => {
    const bare = workflow(
      'bare',
      steps([
        { id: 'a', type: 'script', config: { script: 'return 1' }, next: ['b'] },
        { id: 'b', type: 'script', config: { script: 'return 2' }, next: ['c'] },
        { id: 'c', type: 'script', config: { script: 'return {{ secrets }}' } },
      ]),
    );
    const refused = await send(cluster.coordinator.url, 'POST', '/v1/workflows', json(bare), 'application/json');
    expect(refused.status).toBe(400);
    expect(refused.body.error.problems).toEqual([{ path: '$.steps[2].config.script', message: expect.stringContaining('not a secret reference') }]);
    const inScript = await send(
      cluster.coordinator.url,
      'POST',
      '/v1/workflows',
      json(workflow('named', steps([{ id: 's', type: 'script', config: { script: 'return "{{ secrets.TOKEN }}"' } }]))),
      'application/json',
    );
    expect(inScript.status).toBe(400);
    expect(inScript.body.error.problems).toEqual([{ path: '$.steps[0].config.script', message: expect.stringContaining('secrets: ["TOKEN"]') }]);
    const inCondition = await send(
      cluster.coordinator.url,
      'POST',
      '/v1/workflows',
      json(workflow('cond', steps([{ id: 'c', type: 'condition', config: { condition: '"{{ secrets.TOKEN }}" === ""' } }]))),
      'application/json',
    );
    expect(inCondition.status).toBe(400);
    expect(inCondition.body.error.problems).toContainEqual({ path: '$.steps[0].config.condition', message: expect.stringContaining('coordinators') });
  });

  it('sent the real secret from a job built again from the stored run (pause, resume)', () => {
    expect(executions['resumed']!.status).toBe('completed');
    expect(target.received.find((r) => r.url === '/resumed')?.headers['authorization']).toBe(`Bearer ${TOKEN}`);
  });

  it('sent the real secrets to the target, and data holding `{{ secrets.TOKEN }}` as the text it is', () => {
    const echo = target.received.find((r) => r.url.startsWith('/echo?'))!;
    expect(echo.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(echo.headers['x-dir']).toBe(DIR_SECRET);
    expect(new URL(echo.url, 'http://x').searchParams.get('q')).toBe('{{ secrets.TOKEN }}');
    expect(JSON.parse(echo.body)).toEqual({ note: 'n={{ secrets.TOKEN }}' });
    const failed = target.received.find((r) => r.url === '/fail')!;
    expect(JSON.parse(failed.body)).toEqual({ token: TOKEN });
    // The forwarding step sent on what it read from the first one's output: masked.
    const forwarded = target.received.filter((r) => r.url === '/echo').at(-1)!;
    expect(forwarded.body).toContain('Bearer ***');
    expect(forwarded.body).not.toContain(TOKEN);
  });

  it('reports every echo of a secret masked: output, error message and details, breaker key, script output and logs', async () => {
    const echo = executions['echo']!;
    expect(echo.status).toBe('completed');
    expect(echo.results['call']).toMatchObject({ headers: { authorization: 'Bearer ***', 'x-dir': '***' } });
    expect(echo.steps.find((s) => s.stepId === 'call')?.response).toMatchObject({ status: 200 });

    const fail = executions['fail500']!.steps[0]!;
    expect(fail.error).toMatchObject({ code: 'HTTP_STATUS', details: { status: 500 } });
    expect(JSON.stringify(fail.error)).toContain('Bearer ***');

    const closed = executions['closed-port']!.steps[0]!;
    expect(closed.error).toMatchObject({ code: 'NETWORK' });
    expect(closed.error!.message).toContain('/v1/***/items');

    const host = executions['secret-host']!.steps[0]!;
    expect(host.error!.message).toContain('***.invalid');
    const breakers = await cluster.client.errorHandler.getCircuitBreakers();
    expect(breakers.items.map((b) => b.key)).toContain('http:***.invalid:80');

    const script = executions['script']!;
    expect(script.status).toBe('completed');
    expect(script.results['leak']).toEqual({ key: '***', all: { SCRIPT_KEY: '***', TOKEN: '***' }, length: SCRIPT_KEY.length });
    expect(script.variables['copied']).toBe('***');
    const { items: logs } = await cluster.client.getExecutionLogs(script.id);
    expect(logs.map((l) => l.message)).toContainEqual('the key is *** ***');
  });

  it('leaves no secret, in any form, in PostgreSQL, Redis or any process’s output', async () => {
    const [rows, keys] = await Promise.all([databaseTexts(cluster.databaseUrl), redisTexts(cluster.redisUrl, cluster.prefix)]);
    const lines: StoredText[] = [...cluster.workers, httpWorker, ...cluster.coordinators].flatMap((p) =>
      p.lines.map((line) => ({ where: p.name, text: line })),
    );
    // Enough was stored to make the scan mean something: runs, states, logs, errors, jobs, results.
    for (const table of ['public.step_runs', 'public.workflow_executions', 'public.workflow_logs', 'public.errors'])
      expect(rows.some((r) => r.where === table)).toBe(true);
    expect(keys.some((k) => k.where.startsWith('stream '))).toBe(true);
    expect(keys.some((k) => k.text.includes('***'))).toBe(true);
    expect(lines.some((l) => l.text.includes('***'))).toBe(true);
    expect(occurrences(rows, FORMS)).toEqual([]);
    expect(occurrences(keys, FORMS)).toEqual([]);
    expect(occurrences(lines, FORMS)).toEqual([]);
  });
});

/** A server that echoes what it received: `/echo` as a 200, `/fail` as a 500 with the request in the body. */
async function startEchoServer(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(request);
      res.writeHead(req.url === '/fail' ? 500 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(request));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A local port nothing listens on (bound, then released). */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
