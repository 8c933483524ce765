import { AgenticFlowClient, type FlowEvent, type StreamItem } from '@agentic-flow/sdk';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { send } from './http.js';

/** What each execution of `chain3` must produce, in this order, exactly once. */
const EXPECTED = [
  'workflow:started',
  'step:started:s0',
  'step:completed:s0',
  'step:started:s1',
  'step:completed:s1',
  'step:started:s2',
  'step:completed:s2',
  'workflow:completed',
];

const label = (event: FlowEvent): string => (event.type.startsWith('step:') ? `${event.type}:${String(event.data['stepId'])}` : event.type);

const chain3 = {
  id: 'chain3',
  name: 'Chain of three',
  version: '1',
  steps: [0, 1, 2].map((i) => ({ id: `s${i}`, type: 'script' as const, config: { script: `return ${i};` }, next: i < 2 ? [`s${i + 1}`] : [] })),
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The durable event stream across a client disconnect and a coordinator SIGKILLed: 300 executions
 * run while a client reads `GET /v1/events`; mid-run the client goes away for 2 s while the
 * coordinator it read from is killed, then reconnects elsewhere with its Last-Event-ID. Every
 * event of every execution arrives exactly once, in per-execution order.
 */
describe('event stream', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(
      [['script'], ['script']],
      { coordinator: { RESULT_CLAIM_IDLE_MS: '2000', MAINTENANCE_INTERVAL_MS: '500', RECONCILE_GRACE_MS: '5000' } },
      { coordinators: 2 },
    );
    await cluster.client.createWorkflow(chain3);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('delivers every event of 300 executions exactly once, in order, across a disconnect and a killed coordinator', async () => {
    const [survivor, victim] = cluster.coordinators as [Cluster['coordinator'], Cluster['coordinator']];
    // A client behind a "load balancer": the victim until it dies, then the survivor.
    let target = victim.url;
    const balanced: typeof fetch = (input, init) => fetch(String(input).replace(/^http:\/\/[^/]+/, target), init);
    const reader = new AgenticFlowClient({ baseUrl: victim.url, apiKey: victim.adminKey, fetch: balanced });
    const received: FlowEvent[] = [];
    let lastEventId: string | undefined;
    let opens = 0;
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));

    const read = async (until: () => boolean, signal?: AbortSignal): Promise<void> => {
      for await (const item of reader.events(
        { workflowId: 'chain3' },
        {
          ...(lastEventId === undefined ? {} : { lastEventId }),
          ...(signal ? { signal } : {}),
          reconnectDelayMs: 200,
          onOpen: () => {
            opens++;
            opened();
          },
        },
      )) {
        expect(item.type).not.toBe('stream:gap');
        const event = item as FlowEvent;
        received.push(event);
        lastEventId = event.id;
        if (until()) return;
      }
    };

    // Connected before anything starts (a stream without Last-Event-ID begins at "now").
    const firstPhase = read(() => received.length >= 600);
    await open;
    const ids: string[] = [];
    const starting = (async () => {
      for (let batch = 0; batch < 30; batch++) {
        ids.push(...(await Promise.all(Array.from({ length: 10 }, () => cluster.client.executeWorkflow('chain3')))));
        await sleep(50);
      }
    })();
    await firstPhase;
    // The client goes away for 2 s; meanwhile the coordinator it read from is killed.
    const disconnectedAt = received.length;
    victim.kill();
    await victim.exited;
    target = survivor.url;
    await sleep(2000);
    await starting;

    const db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      const total = ids.length * EXPECTED.length;
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), 120_000);
      await read(() => received.length >= total, abort.signal);
      clearTimeout(timer);
      if (received.length !== total) {
        const counts = await db.query(`select type, count(*) as n, count(position) as positioned from events group by type order by type`);
        const got = new Map<string, number>();
        for (const e of received) got.set(label(e), (got.get(label(e)) ?? 0) + 1);
        console.log('events table', JSON.stringify(counts.rows), 'received', JSON.stringify([...got]));
        const seen = new Set(received.map((e) => Number(e.id)));
        const missing: number[] = [];
        for (let p = 1; p <= total; p++) if (!seen.has(p)) missing.push(p);
        console.log(
          'opens',
          opens,
          'sorted',
          received.every((e, i) => i === 0 || Number(e.id) > Number(received[i - 1]!.id)),
          'disconnectedAt',
          disconnectedAt,
          'ids',
          received
            .slice(0, 30)
            .map((e) => e.id)
            .join(','),
          'first ids',
          received.slice(0, 3).map((e) => e.id),
          'missing',
          JSON.stringify(missing.slice(0, 200)),
        );
      }
      const { rows } = await db.query<{ status: string; n: string }>(`select status, count(*) as n from workflow_executions group by status`);
      expect(rows).toEqual([{ status: 'completed', n: '300' }]);
      expect(disconnectedAt).toBeGreaterThanOrEqual(600);
      expect(received.length).toBe(total);
      const positions = received.map((e) => Number(e.id));
      expect(new Set(positions).size).toBe(positions.length);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      const byExecution = new Map<string, string[]>();
      for (const event of received) {
        const list = byExecution.get(event.executionId!) ?? [];
        list.push(label(event));
        byExecution.set(event.executionId!, list);
      }
      expect([...byExecution.keys()].sort()).toEqual([...ids].sort());
      for (const [, labels] of byExecution) expect(labels).toEqual(EXPECTED);
      // Nothing more arrives: a short read after the end yields nothing new.
      const extra = new AbortController();
      setTimeout(() => extra.abort(), 1000);
      await read(() => false, extra.signal);
      expect(received.length).toBe(total);
    } finally {
      await db.end();
    }
  }, 300_000);

  it('answers bad filters and ids with 400 naming the valid ones, before streaming anything', async () => {
    const url = cluster.coordinator.url;
    const unknownType = await send(url, 'GET', '/v1/events?types=workflow:completed,workflow:exploded');
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.error.code).toBe('VALIDATION_FAILED');
    expect(unknownType.body.error.problems[0].path).toBe('$.query.types[1]');
    for (const type of ['workflow:started', 'step:retrying', 'alert:created', 'alert:resolved'])
      expect(unknownType.body.error.problems[0].message).toContain(type);
    const cases: [string, Record<string, string>, string][] = [
      ['/v1/events?executionId=not-a-uuid', {}, '$.query.executionId[0]'],
      [`/v1/events?workflowId=${encodeURIComponent('bad id!')}`, {}, '$.query.workflowId[0]'],
      ['/v1/events?types=', {}, '$.query.types'],
      ['/v1/events?follow=maybe', {}, '$.query.follow'],
      ['/v1/events?since=1', {}, '$.query.since'],
      ['/v1/events?lastEventId=-1', {}, '$.query.lastEventId'],
      ['/v1/events', { 'last-event-id': 'abc' }, '$.headers.last-event-id'],
      ['/v1/events', { 'last-event-id': '999999999999' }, '$.headers.last-event-id'],
    ];
    for (const [path, headers, problem] of cases) {
      const response = await send(url, 'GET', path, undefined, undefined, headers);
      expect(response.status, path).toBe(400);
      expect(response.body.error.code, path).toBe('VALIDATION_FAILED');
      expect(
        response.body.error.problems.map((p: { path: string }) => p.path),
        path,
      ).toContain(problem);
    }
  });

  it("shows a caller only its namespace's events", async () => {
    const admin = cluster.client;
    await admin.access.createNamespace('events-other');
    const otherKey = (await admin.access.createApiKey({ name: 'events other', role: 'viewer', namespaces: ['events-other'] })).key;
    const otherAdmin = (await admin.access.createApiKey({ name: 'events other admin', role: 'admin', namespaces: ['events-other'] })).key;
    const other = new AgenticFlowClient({ baseUrl: cluster.coordinator.url, apiKey: otherAdmin });
    await other.createWorkflow({ ...chain3, id: 'chain3-other' });
    const theirs = await other.executeWorkflow('chain3-other');
    await other.waitForCompletion(theirs);
    const ours = await admin.executeWorkflow('chain3');
    await admin.waitForCompletion(ours);
    const readAll = async (key: string): Promise<FlowEvent[]> => {
      const response = await fetch(`${cluster.coordinator.url}/v1/events?follow=false&lastEventId=0`, { headers: { authorization: `Bearer ${key}` } });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const text = await response.text();
      return text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice(6)) as FlowEvent);
    };
    const mine = await readAll(cluster.coordinator.adminKey);
    expect(mine.some((e) => e.executionId === ours)).toBe(true);
    expect(mine.some((e) => e.executionId === theirs)).toBe(false);
    expect(new Set(mine.map((e) => e.namespace))).toEqual(new Set(['default']));
    const seen = await readAll(otherKey);
    expect(seen.map((e) => e.executionId)).toEqual(Array(EXPECTED.length).fill(theirs));
    expect(seen.map(label)).toEqual(EXPECTED);
    expect(seen.every((e) => e.namespace === 'events-other' && e.workflowId === 'chain3-other')).toBe(true);
    // A filter naming another namespace's execution finds nothing, as if it did not exist.
    const response = await fetch(`${cluster.coordinator.url}/v1/events?follow=false&lastEventId=0&executionId=${theirs}`, {
      headers: { authorization: `Bearer ${cluster.coordinator.adminKey}` },
    });
    expect((await response.text()).includes('data: ')).toBe(false);
  });

  it('calls client.on handlers until unsubscribed, and waitForCompletion follows the events', async () => {
    const client = cluster.client;
    const completed: FlowEvent[] = [];
    const failed: FlowEvent[] = [];
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const off = client.on('workflow:completed', (event) => void completed.push(event), { onOpen: () => opened() });
    const offFailed = client.on('workflow:failed', (event) => void failed.push(event));
    await open;
    const first = await client.executeWorkflow('chain3');
    const steps: string[] = [];
    const execution = await client.waitForCompletion(first, { onStep: (step) => steps.push(step.stepId) });
    expect(execution.status).toBe('completed');
    expect(steps).toEqual(['s0', 's1', 's2']);
    await expect.poll(() => completed.map((e) => e.executionId)).toEqual([first]);
    expect(completed[0]).toMatchObject({ type: 'workflow:completed', namespace: 'default', workflowId: 'chain3', data: { status: 'completed' } });
    off();
    offFailed();
    const second = await client.executeWorkflow('chain3');
    await client.waitForCompletion(second);
    await sleep(500);
    expect(completed.map((e) => e.executionId)).toEqual([first]);
    expect(failed).toEqual([]);
  });
});

describe('event stream retention', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster([['script']], { coordinator: { EVENT_RETENTION_MS: '1000', MAINTENANCE_INTERVAL_MS: '200' } });
    await cluster.client.createWorkflow(chain3);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('starts with stream:gap when Last-Event-ID is older than the retention, then continues', async () => {
    const client = cluster.client;
    await client.waitForCompletion(await client.executeWorkflow('chain3'));
    // Pruned: older than 1 s, and the leader prunes every half retention.
    const db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      await expect
        .poll(async () => Number((await db.query('select pruned_through from event_stream')).rows[0].pruned_through), { timeout: 15_000 })
        .toBeGreaterThanOrEqual(8);
    } finally {
      await db.end();
    }
    const items: StreamItem[] = [];
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const abort = new AbortController();
    const reading = (async () => {
      for await (const item of client.events({ workflowId: 'chain3' }, { lastEventId: '3', signal: abort.signal, onOpen: () => opened() })) {
        items.push(item);
        if (item.type === 'workflow:completed') abort.abort();
      }
    })();
    await open;
    const next = await client.executeWorkflow('chain3');
    await client.waitForCompletion(next);
    await reading;
    expect(items[0]).toMatchObject({ type: 'stream:gap', lastEventId: '3' });
    expect(Number((items[0] as { prunedThrough: string }).prunedThrough)).toBeGreaterThanOrEqual(8);
    const events = items.slice(1) as FlowEvent[];
    expect(events.map((e) => e.executionId)).toEqual(Array(EXPECTED.length).fill(next));
    expect(events.map(label)).toEqual(EXPECTED);
  }, 60_000);
});
