import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from '@agentic-flow/sdk';
import { startCluster, type Cluster } from './cluster.js';
import { rejection } from './rejection.js';

/** Follows `nextCursor` to the end, as a client of any list does. */
async function everyPage<T>(read: (cursor: string | undefined) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 1; ; pages++) {
    const page = await read(cursor);
    items.push(...page.items);
    if (page.nextCursor === null) return { items, pages };
    cursor = page.nextCursor;
  }
}

/** One list shape (issue 15): every list answers `{ items, nextCursor }`, and lists the server truncates page to their end. */
describe('SDK lists page with nextCursor', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster([['script']]);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('errors, alerts and API keys page through every row once', async () => {
    const { client } = cluster;
    await client.createWorkflow({
      id: 'flaky',
      name: 'Flaky',
      version: '1',
      steps: [{ id: 'boom', type: 'script', config: { script: 'throw new Error("boom")' }, onError: { type: 'skip' } }],
    });
    const runs = await Promise.all(Array.from({ length: 5 }, () => client.start('flaky')));
    await Promise.all(runs.map((run) => run.result({ timeoutMs: 60_000 })));
    const errors = await everyPage((cursor) => client.errorHandler.listErrors({ limit: 2, ...(cursor ? { cursor } : {}) }));
    expect(errors.pages).toBe(3);
    expect(new Set(errors.items.map((e) => e.executionId))).toEqual(new Set(runs.map((r) => r.id)));

    for (let i = 0; i < 3; i++) await client.access.createApiKey({ name: `key-${i}`, role: 'viewer' });
    const keys = await everyPage((cursor) => client.access.listApiKeys({ limit: 1, ...(cursor ? { cursor } : {}) }));
    expect(keys.items.map((k) => k.name).sort()).toEqual(['key-0', 'key-1', 'key-2']);

    const alerts = await everyPage((cursor) => client.monitor.getAlerts({ limit: 1, ...(cursor ? { cursor } : {}) }));
    expect(new Set(alerts.items.map((a) => a.id)).size).toBe(alerts.items.length);
    // The seed's form still answers the array.
    expect(Array.isArray(await client.monitor.getAlerts(10))).toBe(true);
  });

  it('lists answered whole say so with nextCursor null', async () => {
    const run = await cluster.client.start('flaky');
    await run.result({ timeoutMs: 60_000 });
    expect(await run.logs()).toMatchObject({ nextCursor: null });
    expect(await run.snapshots()).toEqual({ items: [], nextCursor: null });
    expect(await cluster.client.errorHandler.listRecoveryStrategies()).toEqual({ items: [], nextCursor: null });
  });

  it('a forged cursor is a 400 INVALID_CURSOR', async () => {
    expect(await rejection(cluster.client.errorHandler.listErrors({ cursor: 'forged' }))).toMatchObject({
      status: 400,
      code: 'INVALID_CURSOR',
      problems: [{ path: '$.query.cursor' }],
    });
    expect(await rejection(cluster.client.monitor.getAlerts({ cursor: 'forged' }))).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
  });
});
