import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import pg from 'pg';
import { appEntryPoint } from '@agentic-flow/testing';
import { AgenticFlowClient } from '@agentic-flow/sdk';
import { ROUTE_POLICIES, type GuardedRoute } from '../apps/coordinator/src/auth/route-policy.js';
import { ROLES, allows } from '../apps/coordinator/src/auth/roles.js';
import { startCluster, type Cluster } from './cluster.js';
import { send, type RawResponse } from './http.js';

/**
 * The route table is the policy: this suite is generated from it. Every guarded route is called by
 * every role (403 exactly when the role lacks the route's permission, never 401/403 otherwise), by
 * no key and bad keys (401), and with a key of another namespace on that namespace's objects (404).
 * A route missing from the table stops the coordinator at startup; one in the table but not served
 * answers 404 to the roles that should get 403, and fails here.
 */
const WORKFLOW = {
  id: 'guarded-flow',
  name: 'guarded flow',
  version: '1',
  steps: [{ id: 'wait', type: 'script', config: { script: 'return 1' } }],
};

const ROUTES = Object.entries(ROUTE_POLICIES)
  .filter((entry): entry is [string, GuardedRoute] => entry[1].access === 'guarded')
  .map(([key, policy]) => {
    const [method, url] = key.split(' ') as [string, string];
    return { method, url, policy };
  });

const run = promisify(execFile);

const BODIES: Record<string, unknown> = {
  'POST /v1/workflows': WORKFLOW,
  'POST /v1/workflows/:workflowId/executions': { variables: {} },
  'PUT /v1/recovery-strategies/:target': { type: 'none' },
  'PUT /v1/executions/:executionId/auto-snapshots': { intervalMs: null },
  'POST /v1/errors/:errorId/resolve': { action: 'skip' },
  'POST /v1/api-keys': { name: 'matrix', role: 'viewer' },
  'POST /v1/namespaces': { name: 'matrix-made' },
  'PUT /v1/circuit-breakers/config': {},
  'PATCH /v1/monitor/thresholds': {},
  'PUT /v1/monitor/interval': { intervalMs: 30_000 },
  'PUT /v1/alert-sinks/:name': { url: 'http://127.0.0.1:9/hook' },
};

describe('access control: every route × every role, from the route table', () => {
  let cluster: Cluster;
  let keys: Record<string, string>;
  let otherAdmin: string;
  let executionId: string;
  let otherExecutionId: string;

  const path = (url: string) =>
    url
      .replace(':workflowId', WORKFLOW.id)
      .replace(':version', '1')
      .replace(':executionId', executionId)
      .replace(':stepRunId', '00000000-0000-4000-8000-000000000001')
      .replace(':snapshotId', '00000000-0000-4000-8000-000000000002')
      .replace(':errorId', '00000000-0000-4000-8000-000000000003')
      .replace(':target', 'script')
      .replace(':stepType', 'script')
      .replace(':jobId', '1')
      .replace(':keyId', 'aaaaaaaaaaaa')
      .replace(':key', 'http:nowhere.invalid:80')
      .replace(':name', 'matrix-sink')
      // The event stream never ends on its own: ask for what is there now only.
      .replace(/^\/v1\/events$/, '/v1/events?follow=false');
  const call = (method: string, url: string, key: string | null, extra: Record<string, string | null> = {}): Promise<RawResponse> => {
    const body = BODIES[`${method} ${url}`];
    return send(
      cluster.coordinator.url,
      method,
      path(url),
      body === undefined ? undefined : JSON.stringify(body),
      body === undefined ? undefined : 'application/json',
      {
        authorization: key === null ? null : `Bearer ${key}`,
        ...extra,
      },
    );
  };

  beforeAll(async () => {
    cluster = await startCluster([], { coordinator: { RATE_LIMIT_MAX: '0', AUTH_FAILURE_LIMIT: '1000' } });
    const admin = cluster.client;
    keys = {};
    // The admin key covers every namespace: some admin routes (making namespaces) need that.
    for (const role of ROLES)
      keys[role] = (await admin.access.createApiKey({ name: `matrix ${role}`, role, ...(role === 'admin' ? { namespaces: ['*'] } : {}) })).key;
    await admin.createWorkflow(WORKFLOW);
    await admin.monitor.putAlertSink('matrix-sink', { url: 'http://127.0.0.1:9/hook' });
    // No worker: the execution stays running, so every execution route has an object to act on.
    executionId = await admin.executeWorkflow(WORKFLOW.id, {});
    await admin.access.createNamespace('elsewhere');
    otherAdmin = (await admin.access.createApiKey({ name: 'elsewhere admin', role: 'admin', namespaces: ['elsewhere'] })).key;
    const other = new AgenticFlowClient({ baseUrl: cluster.coordinator.url, apiKey: otherAdmin });
    // Its own workflow under another id: the same id there would be its own object, found.
    await other.createWorkflow({ ...WORKFLOW, id: 'elsewhere-flow' });
    otherExecutionId = await other.executeWorkflow('elsewhere-flow', {});
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  for (const role of ROLES) {
    for (const { method, url, policy } of ROUTES) {
      const allowed = allows(role, policy.permission);
      it(`${role} ${allowed ? 'may' : 'may not'} ${method} ${url} (${policy.permission})`, async () => {
        const response = await call(method, url, keys[role]!);
        if (allowed) {
          expect([401, 403], JSON.stringify(response.body)).not.toContain(response.status);
          expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
          // Reads of the fixtures (and lists) succeed outright; ids made up for the test are 404s.
          if (method === 'GET' && !/:(stepRunId|snapshotId|errorId|jobId|keyId)/.test(url)) expect(response.status, `${method} ${url}`).toBe(200);
        } else {
          expect(response.status, JSON.stringify(response.body)).toBe(403);
          expect(response.body.error.code).toBe('FORBIDDEN');
          expect(response.body.error.message).toContain(`"${policy.permission}"`);
        }
      });
    }
  }

  it('answers 401 with WWW-Authenticate to every guarded route without a key, and runs nothing', async () => {
    const before = (await cluster.client.listExecutions({})).items.length;
    for (const { method, url } of ROUTES) {
      const response = await call(method, url, null);
      expect(response.status, `${method} ${url}`).toBe(401);
      expect(response.body.error.code).toBe('UNAUTHENTICATED');
    }
    expect((await cluster.client.listExecutions({})).items.length).toBe(before);
    const raw = await fetch(`${cluster.coordinator.url}/v1/executions`);
    expect(raw.headers.get('www-authenticate')).toBe('Bearer realm="agentic-flow"');
  });

  it('answers 401 to malformed, unknown, wrong-secret, revoked and expired keys, and audits each attempt', async () => {
    const admin = cluster.client;
    const auditedBefore = (await admin.access.getAuditLog({ outcome: 'unauthenticated', limit: 1000 })).items.length;
    const revoked = await admin.access.createApiKey({ name: 'to revoke', role: 'admin' });
    expect((await call('GET', '/v1/executions', revoked.key)).status).toBe(200);
    await admin.access.revokeApiKey(revoked.id);
    const expiring = await admin.access.createApiKey({ name: 'short-lived', role: 'admin', expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await call('GET', '/v1/executions', expiring.key)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const wrongSecret = `${revoked.key.slice(0, 17)}${'A'.repeat(43)}`;
    const attempts = [
      ['malformed header', { authorization: 'Basic dXNlcjpwYXNz' }],
      ['unknown key', { authorization: `Bearer afk_zzzzzzzzzzzz_${'B'.repeat(43)}` }],
      ['not a key', { authorization: 'Bearer short' }],
      ['wrong secret', { authorization: `Bearer ${wrongSecret}` }],
      ['revoked', { authorization: `Bearer ${revoked.key}` }],
      ['expired', { authorization: `Bearer ${expiring.key}` }],
    ] as const;
    for (const [what, headers] of attempts) {
      const response = await send(cluster.coordinator.url, 'POST', `/v1/workflows/${WORKFLOW.id}/executions`, '{}', 'application/json', headers);
      expect(response.status, what).toBe(401);
      expect(response.body.error.code, what).toBe('UNAUTHENTICATED');
    }
    const audited = await admin.access.getAuditLog({ outcome: 'unauthenticated', limit: 1000 });
    expect(audited.items.length - auditedBefore).toBe(attempts.length);
    expect(audited.items[0]).toMatchObject({
      actor: 'anonymous',
      action: 'execution.start',
      status: 401,
      target: `POST /v1/workflows/${WORKFLOW.id}/executions`,
    });
  });

  it('answers 404, not 403, for another namespace’s objects, and lists none of them', async () => {
    const objectRoutes = ROUTES.filter(({ url }) => url.includes(':workflowId') || url.includes(':executionId'));
    expect(objectRoutes.length).toBeGreaterThan(10);
    for (const { method, url } of objectRoutes) {
      // Admin of "elsewhere" asking about objects of "default".
      const response = await call(method, url, otherAdmin);
      expect(response.status, `${method} ${url}: ${JSON.stringify(response.body)}`).toBe(404);
      expect(response.body.error.code).toMatch(/_NOT_FOUND$/);
    }
    const mine = await send(cluster.coordinator.url, 'GET', '/v1/executions', undefined, undefined, { authorization: `Bearer ${otherAdmin}` });
    expect(mine.body.items.map((e: { id: string }) => e.id)).toEqual([otherExecutionId]);
    // Naming a namespace the key may not act in is the same 404 as one that does not exist.
    const foreign = await send(cluster.coordinator.url, 'GET', '/v1/executions', undefined, undefined, {
      authorization: `Bearer ${otherAdmin}`,
      'af-namespace': 'default',
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('NAMESPACE_NOT_FOUND');
    const missing = await send(cluster.coordinator.url, 'GET', '/v1/executions', undefined, undefined, { 'af-namespace': 'no-such-namespace' });
    expect(missing.body.error.code).toBe('NAMESPACE_NOT_FOUND');
    const malformed = await send(cluster.coordinator.url, 'GET', '/v1/executions', undefined, undefined, { 'af-namespace': '../Default' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.problems).toEqual([{ path: '$.headers["af-namespace"]', message: expect.stringContaining('namespace name') }]);
  });

  it('keeps a key within the namespaces of the admin that makes it', async () => {
    const scoped = new AgenticFlowClient({ baseUrl: cluster.coordinator.url, apiKey: otherAdmin });
    expect((await scoped.access.createApiKey({ name: 'ok', role: 'viewer' })).namespaces).toEqual(['elsewhere']);
    const refusals = [
      await send(
        cluster.coordinator.url,
        'POST',
        '/v1/api-keys',
        JSON.stringify({ name: 'escalate', role: 'admin', namespaces: ['default'] }),
        'application/json',
        { authorization: `Bearer ${otherAdmin}` },
      ),
      await send(cluster.coordinator.url, 'POST', '/v1/api-keys', JSON.stringify({ name: 'escalate', role: 'admin', namespaces: ['*'] }), 'application/json', {
        authorization: `Bearer ${otherAdmin}`,
      }),
      await send(cluster.coordinator.url, 'POST', '/v1/namespaces', JSON.stringify({ name: 'mine' }), 'application/json', {
        authorization: `Bearer ${otherAdmin}`,
      }),
    ];
    expect(refusals.map((r) => r.status)).toEqual([404, 403, 403]);
  });

  it('makes an admin key straight in the database with create-key.js, and refuses bad arguments', async () => {
    const script = join(dirname(appEntryPoint('coordinator')), 'create-key.js');
    const env = { ...process.env, DATABASE_URL: cluster.databaseUrl };
    const made = await run(process.execPath, [script, '--name', 'ops', '--role', 'operator', '--namespace', 'default', '--expires-in-days', '30'], { env });
    const key = made.stdout.trim();
    expect(key).toMatch(/^afk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const response = await send(cluster.coordinator.url, 'GET', '/v1/executions', undefined, undefined, { authorization: `Bearer ${key}` });
    expect(response.status).toBe(200);
    const listed = (await cluster.client.access.listApiKeys()).items.find((k) => key.startsWith(k.prefix));
    expect(listed).toMatchObject({ name: 'ops', role: 'operator', namespaces: ['default'], createdBy: 'cli' });
    const refused = await run(process.execPath, [script, '--name', 'x', '--role', 'root'], { env }).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('--role must be one of') });
  });

  it('shows a key once and stores only a salted hash of it', async () => {
    const created = await cluster.client.access.createApiKey({ name: 'hash check', role: 'viewer' });
    expect(created.key).toMatch(/^afk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const listed = await cluster.client.access.listApiKeys();
    expect(JSON.stringify(listed)).not.toContain(created.key.slice(17));
    const db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query('select t::text as row from api_keys t');
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.some((r: { row: string }) => r.row.includes(created.key.slice(17)))).toBe(false);
    } finally {
      await db.end();
    }
  });

  it('answers probes without a key, with security headers, and without CORS headers by default', async () => {
    const health = await fetch(`${cluster.coordinator.url}/healthz`);
    expect(health.status).toBe(200);
    const response = await fetch(`${cluster.coordinator.url}/v1/executions`, {
      headers: { authorization: `Bearer ${keys['viewer']}`, origin: 'https://evil.example' },
    });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });
});

describe('API hardening: rate limits shared by coordinators, failed-authentication limits, CORS when configured', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(
      [],
      { coordinator: { RATE_LIMIT_MAX: '8', RATE_LIMIT_WINDOW_MS: '60000', AUTH_FAILURE_LIMIT: '3', CORS_ORIGINS: 'https://app.example' } },
      { coordinators: 2 },
    );
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('limits one key across every coordinator with 429 and Retry-After, and other keys not at all', async () => {
    const admin = cluster.client;
    const { key } = await admin.access.createApiKey({ name: 'limited', role: 'viewer' });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 10; i++) {
      // Alternating coordinators: the count lives in Redis, not in either process.
      const response = await fetch(`${cluster.coordinators[i % 2]!.url}/v1/executions`, { headers: { authorization: `Bearer ${key}` } });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const { key: other } = await admin.access.createApiKey({ name: 'unlimited so far', role: 'viewer' });
    expect((await fetch(`${cluster.coordinator.url}/v1/executions`, { headers: { authorization: `Bearer ${other}` } })).status).toBe(200);
  });

  it('refuses an address that keeps failing to authenticate before checking its keys', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (await fetch(`${cluster.coordinator.url}/v1/executions`, { headers: { authorization: 'Bearer made-up-key-that-is-long-enough-000000' } })).status,
      );
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('answers preflights and adds CORS headers for configured origins only', async () => {
    const preflight = await fetch(`${cluster.coordinators[1]!.url}/v1/executions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const stranger = await fetch(`${cluster.coordinators[1]!.url}/v1/executions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('OIDC bearer tokens beside API keys', () => {
  let cluster: Cluster;
  let idp: Server;
  let privateKey: CryptoKey;

  const jwt = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
      .setIssuer('https://idp.test')
      .setAudience('agentic-flow')
      .setExpirationTime('5m')
      .sign(privateKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256' };
    idp = createHttpServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`;
    cluster = await startCluster([], {
      coordinator: {
        OIDC_JWKS_URL: jwksUrl,
        OIDC_ISSUER: 'https://idp.test',
        OIDC_AUDIENCE: 'agentic-flow',
        OIDC_ROLE_CLAIM: 'groups',
        OIDC_ROLE_MAP: 'flow-operators=operator',
      },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    await new Promise((resolve) => idp?.close(resolve));
  });

  it('lets a token act with the role its claims map to, audits it by subject, and refuses forged ones', async () => {
    const operator = await jwt({ sub: 'alice', groups: ['flow-operators'] });
    expect((await send(cluster.coordinator.url, 'GET', '/v1/executions', undefined, undefined, { authorization: `Bearer ${operator}` })).status).toBe(200);
    const denied = await send(cluster.coordinator.url, 'PUT', '/v1/recovery-strategies/script', JSON.stringify({ type: 'skip' }), 'application/json', {
      authorization: `Bearer ${operator}`,
    });
    expect(denied.status).toBe(403);
    const forged = `${operator.split('.').slice(0, 2).join('.')}.${Buffer.from('not the signature').toString('base64url')}`;
    expect((await send(cluster.coordinator.url, 'GET', '/v1/executions', undefined, undefined, { authorization: `Bearer ${forged}` })).status).toBe(401);
    const { items } = await cluster.client.access.getAuditLog({ actor: 'oidc:alice' });
    expect(items.map((e) => [e.action, e.outcome])).toEqual([['strategy.put', 'denied']]);
  });
});
