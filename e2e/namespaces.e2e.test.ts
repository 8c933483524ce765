import { randomUUID } from 'node:crypto';
import { createDatabase, createNamespace } from '@agentic-flow/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { json, send, type RawResponse } from './http.js';

const A = 'default';
const B = 'team-b';
const SETTLED = ['completed', 'failed', 'cancelled'];

/** The same workflow id in both namespaces, with different content: each answers with its own name. */
const said = (namespace: string) => ({
  id: 'same-id',
  name: `Same id in ${namespace}`,
  version: '1.0.0',
  steps: [{ id: 'say', type: 'script', config: { script: `return ${JSON.stringify(`from ${namespace}`)};` } }],
});
/** A script that fails, and a step after it that runs only if the failure is recovered. */
const failing = {
  id: 'failing',
  name: 'Failing',
  version: '1',
  steps: [
    { id: 'boom', type: 'script', config: { script: 'throw new Error("boom")' }, next: ['after'] },
    { id: 'after', type: 'script', config: { script: 'return "after";' } },
  ],
};

describe('namespaces: every object belongs to one, and a request sees only its own', () => {
  let cluster: Cluster;
  const url = () => cluster.coordinator.url;
  /** Raw requests acting in `namespace` (the `af-namespace` header). */
  const as = (namespace: string) => {
    const headers = { 'af-namespace': namespace };
    return {
      get: (path: string) => send(url(), 'GET', path, undefined, undefined, headers),
      delete: (path: string) => send(url(), 'DELETE', path, undefined, undefined, headers),
      post: (path: string, body?: unknown) =>
        send(url(), 'POST', path, body === undefined ? undefined : json(body), body === undefined ? undefined : 'application/json', headers),
      put: (path: string, body: unknown) => send(url(), 'PUT', path, json(body), 'application/json', headers),
    };
  };
  const start = async (namespace: string, workflowId: string): Promise<string> => {
    const response = await as(namespace).post(`/v1/workflows/${workflowId}/executions`, {});
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.executionId as string;
  };
  const settled = async (namespace: string, executionId: string): Promise<RawResponse['body']> => {
    for (const deadline = Date.now() + 60_000; ; ) {
      const { status, body } = await as(namespace).get(`/v1/executions/${executionId}?include=outputs`);
      expect(status).toBe(200);
      if (SETTLED.includes(body.status)) return body;
      if (Date.now() > deadline) throw new Error(`execution ${executionId} did not settle: ${body.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  /** What the API answers for an object that does not exist at all, with `id` in place of the unknown one's. */
  const asIfAbsent = async (call: (id: string) => Promise<RawResponse>, id: string): Promise<RawResponse> => {
    const unknown = randomUUID();
    const response = await call(unknown);
    return { status: response.status, body: JSON.parse(JSON.stringify(response.body).replaceAll(unknown, id)) };
  };

  let inA: string;
  let inB: string;

  beforeAll(async () => {
    cluster = await startCluster([['script']]);
    // POST /v1/namespaces belongs to the access-control work: the namespace is made in the database.
    const database = createDatabase(cluster.databaseUrl, { max: 1 });
    try {
      expect(await createNamespace(database.db, B)).toBe('created');
    } finally {
      await database.close();
    }
    for (const namespace of [A, B]) {
      expect((await as(namespace).post('/v1/workflows', said(namespace))).status).toBe(201);
      expect((await as(namespace).post('/v1/workflows', failing)).status).toBe(201);
    }
    [inA, inB] = await Promise.all([start(A, 'same-id'), start(B, 'same-id')]);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('registers the same workflow id in two namespaces with different content, and each executes its own', async () => {
    // Registering B's content again in A is a conflict within A; in B it is the same definition.
    expect((await as(A).post('/v1/workflows', said(B))).body.error.code).toBe('VERSION_CONFLICT');
    expect((await as(B).post('/v1/workflows', said(B))).status).toBe(200);
    expect((await as(A).get('/v1/workflows/same-id')).body).toMatchObject({ name: 'Same id in default', namespace: A });
    expect((await as(B).get('/v1/workflows/same-id/versions/1.0.0')).body).toMatchObject({ name: 'Same id in team-b', namespace: B });
    // Without the header a request acts in `default`.
    expect((await send(url(), 'GET', '/v1/workflows/same-id')).body).toMatchObject({ namespace: A });
    const listed = async (namespace: string) =>
      (await as(namespace).get('/v1/workflows')).body.items.map((w: { id: string; namespace: string; name: string }) => [w.namespace, w.id, w.name]);
    expect(await listed(A)).toEqual(expect.arrayContaining([[A, 'same-id', 'Same id in default']]));
    expect((await listed(A)).every(([namespace]: string[]) => namespace === A)).toBe(true);
    expect((await listed(B)).every(([namespace]: string[]) => namespace === B)).toBe(true);

    const [a, b] = await Promise.all([settled(A, inA), settled(B, inB)]);
    expect(a).toMatchObject({ namespace: A, workflowId: 'same-id', status: 'completed', results: { say: 'from default' } });
    expect(b).toMatchObject({ namespace: B, workflowId: 'same-id', status: 'completed', results: { say: 'from team-b' } });
    // A workflow only B has cannot be started from A.
    expect((await as(B).post('/v1/workflows', { ...said(B), id: 'only-b' })).status).toBe(201);
    const missing = await as(A).post('/v1/workflows/only-b/executions', {});
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'WORKFLOW_NOT_FOUND', message: 'workflow "only-b" does not exist' });
    expect((await as(A).get('/v1/workflows/only-b')).status).toBe(404);
  });

  it('lists executions of the request’s namespace only', async () => {
    const ids = async (namespace: string, query = '') =>
      (await as(namespace).get(`/v1/executions${query}`)).body.items.map((e: { id: string; namespace: string }) => [e.namespace, e.id]);
    expect(await ids(A)).toContainEqual([A, inA]);
    expect(await ids(B)).toContainEqual([B, inB]);
    for (const query of ['', '?workflowId=same-id', '?status=completed', '?workflowId=same-id&status=completed']) {
      expect(
        (await ids(A, query)).map(([namespace]: string[]) => namespace),
        query,
      ).not.toContain(B);
      expect(
        (await ids(B, query)).map(([namespace]: string[]) => namespace),
        query,
      ).not.toContain(A);
      expect(
        (await ids(A, query)).map(([, id]: string[]) => id),
        query,
      ).not.toContain(inB);
    }
  });

  it('answers reads and changes of another namespace’s execution exactly as for one that does not exist', async () => {
    const runOfB = (await as(B).get(`/v1/executions/${inB}`)).body.steps[0].id as string;
    const { body: snapshot } = await as(B).post(`/v1/executions/${inB}/snapshots`);
    const calls: [string, (id: string) => Promise<RawResponse>][] = [
      ['GET execution', (id) => as(A).get(`/v1/executions/${id}`)],
      ['GET execution with outputs', (id) => as(A).get(`/v1/executions/${id}?include=outputs`)],
      ['GET step run', (id) => as(A).get(`/v1/executions/${id}/steps/${runOfB}`)],
      ['GET logs', (id) => as(A).get(`/v1/executions/${id}/logs`)],
      ['GET transcripts', (id) => as(A).get(`/v1/executions/${id}/transcripts`)],
      ['GET snapshots', (id) => as(A).get(`/v1/executions/${id}/snapshots`)],
      ['POST snapshot', (id) => as(A).post(`/v1/executions/${id}/snapshots`)],
      ['PUT auto-snapshots', (id) => as(A).put(`/v1/executions/${id}/auto-snapshots`, { intervalMs: 5000 })],
      ['pause', (id) => as(A).post(`/v1/executions/${id}/pause`)],
      ['resume', (id) => as(A).post(`/v1/executions/${id}/resume`)],
      ['cancel', (id) => as(A).post(`/v1/executions/${id}/cancel`)],
    ];
    for (const [name, call] of calls) {
      const response = await call(inB);
      expect(response.status, name).toBe(404);
      expect(response.body.error.code, name).toBe('EXECUTION_NOT_FOUND');
      expect(response, name).toEqual(await asIfAbsent(call, inB));
    }
    // A restore finds the snapshot, then not the execution.
    const restore = await as(A).post(`/v1/executions/${inB}/snapshots/${snapshot.id}/restore`);
    expect(restore.status).toBe(404);
    expect(restore.body.error).toEqual({ code: 'EXECUTION_NOT_FOUND', message: `execution ${inB} does not exist` });
    // The execution in its own namespace is untouched and still answers.
    expect((await as(B).get(`/v1/executions/${inB}`)).body).toMatchObject({ status: 'completed', namespace: B });
    expect((await as(B).get(`/v1/executions/${inB}/snapshots`)).body.items).toHaveLength(1);
    expect((await as(B).get(`/v1/executions/${inB}/steps/${runOfB}`)).body).toMatchObject({ id: runOfB, output: 'from team-b' });
    expect((await as(B).get(`/v1/executions/${inB}/logs`)).status).toBe(200);
  });

  it('applies a strategy registered in one namespace to that namespace’s executions only; errors, alerts and dead letters stay in theirs', async () => {
    const put = await as(B).put('/v1/recovery-strategies/script', { type: 'skip' });
    expect(put.body).toEqual({ namespace: B, target: 'script', strategy: { type: 'skip' } });
    expect((await as(B).get('/v1/recovery-strategies')).body.items).toEqual([expect.objectContaining({ namespace: B, target: 'script' })]);
    expect((await as(A).get('/v1/recovery-strategies')).body.items).toEqual([]);
    expect((await as(A).delete('/v1/recovery-strategies/script')).body.error.code).toBe('STRATEGY_NOT_FOUND');

    const [failA, failB] = await Promise.all([start(A, 'failing'), start(B, 'failing')]);
    const [a, b] = await Promise.all([settled(A, failA), settled(B, failB)]);
    // In A nothing recovers the script's failure; in B the registered skip does and the next step runs.
    expect(a).toMatchObject({ status: 'failed', error: { code: 'SCRIPT_ERROR' } });
    expect(b).toMatchObject({ status: 'completed', results: { after: 'after' } });

    const errorsOf = async (namespace: string) => (await as(namespace).get('/v1/errors')).body.items as { id: string; executionId: string; strategy: string }[];
    const [errorA] = (await errorsOf(A)).filter((e) => e.executionId === failA);
    const [errorB] = (await errorsOf(B)).filter((e) => e.executionId === failB);
    expect(errorA).toMatchObject({ strategy: 'none' });
    expect(errorB).toMatchObject({ strategy: 'skip' });
    expect((await errorsOf(A)).map((e) => e.executionId)).not.toContain(failB);
    expect((await errorsOf(B)).map((e) => e.executionId)).not.toContain(failA);
    expect(await as(B).get(`/v1/errors?executionId=${failA}`)).toMatchObject({ status: 200, body: { items: [] } });
    const getError = (id: string) => as(B).get(`/v1/errors/${id}`);
    expect(await getError(errorA!.id)).toEqual(await asIfAbsent(getError, errorA!.id));
    expect((await getError(errorA!.id)).body.error.code).toBe('ERROR_NOT_FOUND');
    const resolve = (id: string) => as(B).post(`/v1/errors/${id}/resolve`, { action: 'skip' });
    expect(await resolve(errorA!.id)).toEqual(await asIfAbsent(resolve, errorA!.id));
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const statistics = async (namespace: string) => (await as(namespace).get(`/v1/errors/statistics?from=${from}`)).body.byStrategy;
    expect(await statistics(A)).toEqual({ none: 1 });
    expect(await statistics(B)).toEqual({ skip: 1 });
    expect((await as(B).get('/v1/alerts')).body.items).toEqual([]);

    // Both failed jobs are dead letters, each in its execution's namespace.
    const letters = async (namespace: string) =>
      (await as(namespace).get('/v1/dead-letter?limit=500')).body as { items: { jobId: string; executionId: string }[]; total: number };
    for (const deadline = Date.now() + 30_000; (await letters(A)).total === 0 || (await letters(B)).total === 0; ) {
      if (Date.now() > deadline) throw new Error('the failed jobs never reached the dead letter queue');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [letterA] = (await letters(A)).items;
    expect(letterA).toMatchObject({ executionId: failA });
    expect((await letters(A)).items.map((l) => l.executionId)).not.toContain(failB);
    expect((await letters(B)).items.map((l) => l.executionId)).toEqual([failB]);
    expect((await letters(B)).total).toBe(1);
    const letterPath = `/v1/dead-letter/script/${letterA!.jobId}`;
    for (const response of [await as(B).get(letterPath), await as(B).post(`${letterPath}/retry`), await as(B).delete(letterPath)]) {
      expect(response).toEqual({
        status: 404,
        body: { error: { code: 'DEAD_LETTER_NOT_FOUND', message: `the dead letter queue has no script job ${letterA!.jobId}` } },
      });
    }
    expect(await as(A).get(letterPath)).toMatchObject({ status: 200, body: { jobId: letterA!.jobId, executionId: failA, executionStatus: 'failed' } });
  });
});
