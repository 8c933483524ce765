import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { AgenticFlowClient } from '@agentic-flow/sdk';
import { rejection } from './rejection.js';
import { startCluster, type Cluster } from './cluster.js';
import { send } from './http.js';

const WORKFLOW = { id: 'audited', name: 'audited', version: '1', steps: [{ id: 's', type: 'script', config: { script: 'return 1' } }] };

describe('audit log: every mutating and every refused call, hash-chained, append-only', () => {
  let cluster: Cluster;
  let db: pg.Client;

  beforeAll(async () => {
    cluster = await startCluster([['script']]);
    db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await cluster?.stop();
  });

  it('records changes with their actor, outcome and request id, refusals included, and no request data', async () => {
    const admin = cluster.client;
    const { key, id: editorId } = await admin.access.createApiKey({ name: 'auditor test', role: 'editor' });
    const editor = new AgenticFlowClient({ baseUrl: cluster.coordinator.url, apiKey: key });
    await editor.createWorkflow(WORKFLOW);
    const secretVariable = 'variable-value-that-must-not-be-audited';
    const started = await send(
      cluster.coordinator.url,
      'POST',
      `/v1/workflows/${WORKFLOW.id}/executions`,
      JSON.stringify({ variables: { secretVariable } }),
      'application/json',
      { authorization: `Bearer ${key}`, 'x-request-id': 'client-req-1' },
    );
    expect(started.status).toBe(201);
    await editor.waitForCompletion(started.body.executionId);
    expect((await rejection(editor.executeWorkflow('no-such-flow', {}))).status).toBe(404);
    expect((await rejection(editor.access.createApiKey({ name: 'x', role: 'admin' }))).status).toBe(403);

    const { items } = await admin.access.getAuditLog({ actor: editorId });
    expect(items.map((e) => [e.action, e.outcome, e.status])).toEqual([
      ['api-key.create', 'denied', 403],
      ['execution.start', 'failed', 404],
      ['execution.start', 'ok', 201],
      ['workflow.register', 'ok', 201],
    ]);
    expect(items[2]).toMatchObject({ requestId: 'client-req-1', role: 'editor', namespace: 'default', target: `POST /v1/workflows/${WORKFLOW.id}/executions` });
    // Reads are not audited; the bodies of changes are not stored.
    const { rows } = await db.query('select t::text as row from audit_log t');
    expect(rows.some((r: { row: string }) => r.row.includes(secretVariable))).toBe(false);
    expect(rows.some((r: { row: string }) => r.row.includes('"action":"execution.get"'))).toBe(false);
  });

  it('records a change refused for its namespace, and never a malformed namespace header as it came', async () => {
    const { key, id } = await cluster.client.access.createApiKey({ name: 'viewer with junk', role: 'viewer' });
    const junk = `x${'!'.repeat(2000)}`;
    const forbidden = await send(cluster.coordinator.url, 'POST', `/v1/workflows/${WORKFLOW.id}/executions`, '{}', 'application/json', {
      authorization: `Bearer ${key}`,
      'af-namespace': junk,
    });
    expect(forbidden.status).toBe(403);
    const elsewhere = await send(cluster.coordinator.url, 'POST', '/v1/workflows', JSON.stringify(WORKFLOW), 'application/json', { 'af-namespace': 'nowhere' });
    expect(elsewhere.status).toBe(404);
    const mine = await cluster.client.access.getAuditLog({ actor: id });
    expect(mine.items.map((e) => [e.action, e.outcome, e.status, e.namespace])).toEqual([['execution.start', 'denied', 403, null]]);
    const admin = await cluster.client.access.getAuditLog({ actor: 'bootstrap', outcome: 'denied' });
    expect(admin.items[0]).toMatchObject({ action: 'workflow.register', status: 404, namespace: 'nowhere' });
  });

  it('verifies the chain, and finds a changed column, a changed record and a removed row', async () => {
    const admin = cluster.client;
    for (let i = 0; i < 3; i++) await admin.access.createNamespace(`audit-${i}`);
    const verified = await admin.access.verifyAuditLog();
    expect(verified.ok).toBe(true);
    expect(verified.checked).toBeGreaterThanOrEqual(8);

    // Append-only: the table refuses changes, even from the database owner.
    await expect(db.query(`update audit_log set actor = 'someone-else' where seq = (select min(seq) from audit_log)`)).rejects.toThrow(/append-only/);
    await expect(db.query('delete from audit_log')).rejects.toThrow(/append-only/);

    // A superuser who disables the trigger can change rows; verification finds each change.
    const { rows } = await db.query<{ seq: string }>('select seq from audit_log order by seq');
    const [, second, third, fourth] = rows.map((r) => Number(r.seq));
    await db.query('alter table audit_log disable trigger user');
    try {
      await db.query(`update audit_log set outcome = 'ok' where seq = $1`, [fourth]);
      expect(await admin.access.verifyAuditLog()).toMatchObject({ ok: false, broken: { seq: fourth, reason: expect.stringContaining('column') } });
      await db.query(`update audit_log set outcome = record::jsonb->>'outcome' where seq = $1`, [fourth]);
      await db.query(`update audit_log set record = replace(record, '"status":', '"status": ') where seq = $1`, [third]);
      expect(await admin.access.verifyAuditLog()).toMatchObject({ ok: false, broken: { seq: third, reason: expect.stringContaining('record') } });
      await db.query(`update audit_log set record = replace(record, '"status": ', '"status":') where seq = $1`, [third]);
      expect((await admin.access.verifyAuditLog()).ok).toBe(true);
      await db.query('delete from audit_log where seq = $1', [second]);
      expect(await admin.access.verifyAuditLog()).toMatchObject({ ok: false, broken: { seq: third, reason: expect.stringContaining('removed') } });
    } finally {
      await db.query('alter table audit_log enable trigger user');
    }
  });
});
