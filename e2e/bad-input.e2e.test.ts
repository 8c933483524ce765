import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultStreamKeys } from '@agentic-flow/queue';
import { appEntryPoint } from '@agentic-flow/testing';
import { rejection } from './rejection.js';
import { startCluster, type Cluster } from './cluster.js';

async function countRows(databaseUrl: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`select count(*)::int as n from ${table}`);
    return rows[0].n as number;
  } finally {
    await client.end();
  }
}

describe('bad input gets a clear error and changes nothing', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster([['script']]);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('rejects an invalid definition with every problem, writing nothing', async () => {
    const error = await rejection(
      cluster.client.createWorkflow({
        id: 'broken',
        name: 'Broken',
        version: '1',
        steps: [
          { id: 'a', type: 'script', config: { script: 'return 1' }, next: ['missing'] },
          { id: 'a', type: 'http', config: { url: '{{ nope }}' } },
          { id: 'c', type: 'loop' as 'script', config: { script: '' } },
        ],
      }),
    );
    expect(error.status).toBe(400);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.problems).toEqual(
      expect.arrayContaining([
        { path: '$.steps[0].next[0]', message: 'unknown step "missing"' },
        { path: '$.steps[1].id', message: expect.stringContaining('duplicate step id "a"') },
        { path: '$.steps[1].config.url', message: expect.stringContaining('unknown root "nope"') },
        { path: '$.steps[2].config.loopStep', message: expect.stringContaining('required') },
      ]),
    );
    expect(await countRows(cluster.databaseUrl, 'workflow_definitions')).toBe(0);
  });

  it('refuses a script listing a module the workers do not have, naming it and the registered ones, writing nothing', async () => {
    const script = (allowedModules: string[]) => ({
      id: 'modules',
      name: 'Modules',
      version: '1',
      steps: [{ id: 's', type: 'script' as const, config: { script: 'return 1', allowedModules } }],
    });
    const error = await rejection(cluster.client.createWorkflow(script(['lodash', 'left-pad', 'uuid', 'fs'])));
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(error.problems).toEqual([
      { path: '$.steps[0].config.allowedModules[1]', message: 'module "left-pad" is not in this cluster\'s module registry (registered: lodash, uuid)' },
      { path: '$.steps[0].config.allowedModules[3]', message: 'module "fs" is not in this cluster\'s module registry (registered: lodash, uuid)' },
    ]);
    expect(await countRows(cluster.databaseUrl, 'workflow_definitions')).toBe(0);
  });

  it('rejects a step type named like a property of every object (found by api-fuzz)', async () => {
    for (const type of ['__proto__', 'constructor', 'toString']) {
      const error = await rejection(
        cluster.client.createWorkflow({ id: 'proto', name: 'P', version: '1', steps: [{ id: 's', type: type as 'script', config: { script: 'return 1' } }] }),
      );
      expect(error).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        problems: [{ path: '$.steps[0].type', message: expect.stringContaining('unknown step type') }],
      });
    }
    expect(await countRows(cluster.databaseUrl, 'workflow_definitions')).toBe(0);
  });

  it('rejects broken YAML and JSON with where it broke', async () => {
    const yaml = await rejection(cluster.client.createWorkflow('id: x\nsteps: [\n'));
    expect(yaml).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', problems: [{ path: '$', message: expect.stringMatching(/invalid YAML at line 3/) }] });
    const response = await fetch(`${cluster.coordinator.url}/v1/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cluster.coordinator.adminKey}` },
      body: '{"id": ',
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('INVALID_JSON');
  });

  it('answers 409 for the same id and version with different content, 200 for the same content', async () => {
    const definition = { id: 'versioned', name: 'V', version: '1.0.0', steps: [{ id: 's', type: 'script' as const, config: { script: 'return 1' } }] };
    expect(await cluster.client.createWorkflow(definition)).toEqual({ id: 'versioned', version: '1.0.0', created: true });
    expect(await cluster.client.createWorkflow(definition)).toEqual({ id: 'versioned', version: '1.0.0', created: false });
    const conflict = await rejection(cluster.client.createWorkflow({ ...definition, name: 'Changed' }));
    expect(conflict).toMatchObject({ status: 409, code: 'VERSION_CONFLICT' });
    expect((await cluster.client.getWorkflow('versioned')).name).toBe('V');
  });

  it('answers 404 for unknown workflows, versions and executions', async () => {
    expect(await rejection(cluster.client.executeWorkflow('no-such-workflow'))).toMatchObject({ status: 404, code: 'WORKFLOW_NOT_FOUND' });
    expect(await rejection(cluster.client.executeWorkflow('versioned', {}, { version: '9.9.9' }))).toMatchObject({ status: 404 });
    expect(await rejection(cluster.client.getExecution('00000000-0000-0000-0000-000000000000'))).toMatchObject({ status: 404, code: 'EXECUTION_NOT_FOUND' });
    expect(await rejection(cluster.client.getExecution('not-a-uuid'))).toMatchObject({ status: 400, problems: [{ path: '$.params.executionId' }] });
    expect(await countRows(cluster.databaseUrl, 'workflow_executions')).toBe(0);
  });

  it('answers 400 for bad execution requests and list filters', async () => {
    const response = await fetch(`${cluster.coordinator.url}/v1/workflows/versioned/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cluster.coordinator.adminKey}` },
      body: JSON.stringify({ variables: [1], extra: true }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.problems).toEqual([
      { path: '$.body.variables', message: expect.stringContaining('expected record') },
      { path: '$.body.extra', message: 'unknown field "extra"' },
    ]);
    expect(await rejection(cluster.client.listExecutions({ status: 'bogus' as 'failed' }))).toMatchObject({
      status: 400,
      problems: [{ path: '$.query.status[0]' }],
    });
    expect(await rejection(cluster.client.listExecutions({ cursor: 'garbage' }))).toMatchObject({
      status: 400,
      code: 'INVALID_CURSOR',
      problems: [{ path: '$.query.cursor' }],
    });
    expect(await countRows(cluster.databaseUrl, 'workflow_executions')).toBe(0);
  });

  it('refuses to start without a variable the templates read and nothing in the definition supplies, naming each and where it is read, writing nothing', async () => {
    await cluster.client.createWorkflow({
      id: 'needs-variables',
      name: 'Needs variables',
      version: '1',
      // greeting has a default; place is set by a script before it is read: neither is required.
      variables: { greeting: 'Hello' },
      steps: [
        { id: 'set', type: 'script', config: { script: 'setVariable("place", "Paris"); return 1;' }, next: ['say'] },
        {
          id: 'say',
          type: 'script',
          config: { script: 'return "{{ variables.greeting }}, {{ input.name }} from {{ variables.place }} via {{ variables.apiUrl }}";' },
        },
      ],
    });
    const error = await rejection(cluster.client.executeWorkflow('needs-variables', { greeting: 'Hi' }));
    expect(error).toMatchObject({
      status: 400,
      code: 'MISSING_VARIABLES',
      message:
        'workflow "needs-variables" version "1" needs variables it was not given: name, apiUrl. Its templates read them and the definition supplies none of them; pass them in variables',
      problems: [
        {
          path: '$.body.variables.name',
          message:
            'is required: read by {{ input.name }} at $.steps[1].config.script (step "say"); input holds only the variables an execution is started with',
        },
        {
          path: '$.body.variables.apiUrl',
          message:
            'is required: read by {{ variables.apiUrl }} at $.steps[1].config.script (step "say"); the definition has no default for it in variables, and no script sets it',
        },
      ],
    });
    for (const table of ['workflow_executions', 'step_runs', 'workflow_logs', 'events']) expect(await countRows(cluster.databaseUrl, table), table).toBe(0);
    const execution = await cluster.client.waitForCompletion(
      await cluster.client.executeWorkflow('needs-variables', { name: 'Ada', apiUrl: 'carrier pigeon' }),
      { timeoutMs: 20_000 },
    );
    expect(execution).toMatchObject({ status: 'completed', results: { say: 'Hello, Ada from Paris via carrier pigeon' } });
  });

  it('dead-letters a malformed result and keeps running', async () => {
    const redis = new Redis(cluster.redisUrl);
    const keys = resultStreamKeys(cluster.prefix);
    try {
      await redis.xadd(keys.stream, '*', 'r', JSON.stringify({ v: 1, outcome: 'exploded', stepRunId: 42 }));
      await redis.xadd(keys.stream, '*', 'r', 'not even json');
      await expect.poll(async () => (await redis.xrange(keys.dead, '-', '+')).length, { timeout: 10_000 }).toBe(2);
      const reasons = (await redis.xrange(keys.dead, '-', '+')).map(([, fields]) => fields[fields.indexOf('reason') + 1]);
      expect(reasons).toEqual([expect.stringMatching(/^malformed step result: /), expect.stringMatching(/^malformed step result: /)]);
      expect((await fetch(`${cluster.coordinator.url}/healthz`)).status).toBe(200);
      // …and still applies real results.
      const id = await cluster.client.executeWorkflow('versioned');
      expect((await cluster.client.waitForCompletion(id, { timeoutMs: 30_000 })).status).toBe('completed');
    } finally {
      redis.disconnect();
    }
  });
});

describe('startup with unreachable services', () => {
  function run(app: 'coordinator' | 'worker', env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--no-node-snapshot', appEntryPoint(app)], { env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env } });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.on('exit', (code) => resolve({ code, stderr, stdout }));
    });
  }

  it('the coordinator names both unreachable services in one line and exits non-zero', async () => {
    const result = await run('coordinator', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test', REDIS_URL: 'redis://127.0.0.1:2' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^coordinator: PostgreSQL at 127\.0\.0\.1:1 is unreachable.*; Redis at 127\.0\.0\.1:2 is unreachable/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('the worker names unreachable Redis in one line and exits non-zero', async () => {
    const result = await run('worker', { REDIS_URL: 'redis://127.0.0.1:2' });
    expect(result).toMatchObject({ code: 1, stderr: expect.stringMatching(/^worker: Redis at 127\.0\.0\.1:2 is unreachable[^\n]*\n$/) });
  });

  it('rejects invalid configuration with every problem', async () => {
    const result = await run('worker', { STEP_TYPES: 'HTTP', WORKER_CONCURRENCY: 'http=0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^worker: invalid configuration: STEP_TYPES\.0: .*; WORKER_CONCURRENCY: "http=0" is not <step-type>=<positive number>\n$/);
  });
});
