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
    cluster = await startCluster([['script'], ['script']], { coordinator: { RESULT_CLAIM_IDLE_MS: '2000', MAINTENANCE_INTERVAL_MS: '500', RECONCILE_GRACE_MS: '5000' } }, { coordinators: 2 });
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
      for await (const item of reader.events({ workflowId: 'chain3' }, { ...(lastEventId === undefined ? {} : { lastEventId }), ...(signal ? { signal } : {}), reconnectDelayMs: 200, onOpen: () => {
        opens++;
        opened();
      } })) {
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
        console.log('opens', opens, 'sorted', received.every((e, i) => i === 0 || Number(e.id) > Number(received[i - 1]!.id)), 'disconnectedAt', disconnectedAt, 'ids', received.slice(0, 30).map((e) => e.id).join(','), 'first ids', received.slice(0, 3).map((e) => e.id), 'missing', JSON.stringify(missing.slice(0, 200)));
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
});
