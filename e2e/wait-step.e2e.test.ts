import { AgenticFlowClient, type ExecutionView } from '@agentic-flow/sdk';
import { startCoordinator, startRedisServer, type CoordinatorProcess, type RedisServer } from '@agentic-flow/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { rejection } from './rejection.js';

/**
 * The `wait` step (issue 16): its timer is a `step_signals` row in PostgreSQL, applied by whichever
 * coordinator polls it when due (SIGNAL_POLL_MS, 250 ms here). So a wait holds no job and no worker,
 * and survives a coordinator SIGKILLed and a Redis flushed; pause, resume and cancel act on it like
 * on any step. The cluster has a Redis of its own (the flush), and the last test replaces its
 * coordinator.
 */
const POLL_MS = 250;
/** How late a step after a wait may start beyond the poll interval: a transaction, an enqueue, a worker's fetch, a loaded machine. */
const SLACK_MS = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (iso: string | null) => (iso === null ? Number.NaN : Date.parse(iso));

const wait = (config: Record<string, unknown>) => ({
  name: 'Wait',
  version: '1',
  steps: [
    { id: 'a', type: 'script' as const, config: { script: 'return 1;' }, next: ['w'] },
    { id: 'w', type: 'wait' as const, config, next: ['b'] },
    { id: 'b', type: 'script' as const, config: { script: 'return 2;' } },
  ],
});

describe('the wait step', () => {
  let redis: RedisServer;
  let cluster: Cluster;
  let client: AgenticFlowClient;
  let db: pg.Client;
  let fresh: CoordinatorProcess | undefined;

  beforeAll(async () => {
    redis = await startRedisServer();
    cluster = await startCluster([['script']], { coordinator: { SIGNAL_POLL_MS: String(POLL_MS) } }, { redisUrl: redis.url });
    client = cluster.client;
    db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    await client.createWorkflow({ id: 'wait-1500', ...wait({ duration: '1500ms' }) });
    await client.createWorkflow({ id: 'wait-var', ...wait({ duration: '{{ variables.d }}' }) });
    await client.createWorkflow({ id: 'wait-until', ...wait({ until: '{{ variables.at }}' }) });
  });
  afterAll(async () => {
    await db?.end();
    await fresh?.stop(5_000);
    await cluster?.stop();
    await redis?.stop();
  });

  const step = (execution: ExecutionView, id: string) => execution.steps.filter((s) => s.stepId === id);
  const signals = async (executionId: string) =>
    Number((await db.query<{ n: number }>('select count(*)::int as n from step_signals where execution_id = $1', [executionId])).rows[0]!.n);
  /** Resolves once the execution's wait is waiting (its run recorded running); gives the time it is due. */
  async function waiting(executionId: string): Promise<number> {
    for (;;) {
      const { rows } = await db.query<{ due: Date }>('select due_at as due from step_signals where execution_id = $1', [executionId]);
      if (rows[0]) return rows[0].due.getTime();
      await sleep(20);
    }
  }
  /** The step after the wait started no earlier than the wait was due, and within the poll interval and slack after. */
  function continuedOnTime(execution: ExecutionView, due: number): void {
    const [w] = step(execution, 'w');
    const [b, ...more] = step(execution, 'b');
    expect(more).toEqual([]);
    expect(w).toMatchObject({ status: 'succeeded', stepType: 'wait' });
    expect(ms(b!.queuedAt)).toBeGreaterThanOrEqual(due);
    expect(ms(b!.queuedAt) - due).toBeLessThanOrEqual(POLL_MS + SLACK_MS);
  }

  it('waits between two steps: the second starts once the wait is due, the wait recorded as a step run', async () => {
    const id = await client.executeWorkflow('wait-1500');
    const execution = await client.waitForCompletion(id, { timeoutMs: 30_000, stepOutputs: true });
    expect(execution.status).toBe('completed');
    const [a] = step(execution, 'a');
    const [w] = step(execution, 'w');
    const due = ms(w!.startedAt) + 1500;
    expect(ms(w!.startedAt)).toBeGreaterThanOrEqual(ms(a!.finishedAt) - 5);
    expect(ms(w!.finishedAt)).toBeGreaterThanOrEqual(due);
    expect((w as { output?: unknown }).output).toEqual({ waitedUntil: new Date(due).toISOString() });
    continuedOnTime(execution, due);
    expect(await signals(id)).toBe(0);
  });

  it('continues at once for a wait of 0 and for an instant already past', async () => {
    const started = Date.now();
    const ids = await Promise.all([client.executeWorkflow('wait-var', { d: 0 }), client.executeWorkflow('wait-until', { at: '2001-01-01T00:00:00Z' })]);
    const executions = await Promise.all(ids.map((id) => client.waitForCompletion(id, { timeoutMs: 30_000 })));
    expect(executions.map((e) => e.status)).toEqual(['completed', 'completed']);
    for (const execution of executions) expect(step(execution, 'b')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(POLL_MS + 10_000);
  });

  it('refuses bad waits at registration with their paths, writing nothing', async () => {
    const error = await rejection(
      client.createWorkflow({
        id: 'bad-waits',
        name: 'Bad',
        version: '1',
        steps: [
          { id: 'neg', type: 'wait', config: { duration: -5 } },
          { id: 'junk', type: 'wait', config: { duration: '5 m' } },
          { id: 'both', type: 'wait', config: { duration: '1s', until: '2030-01-01T00:00:00Z' } },
          { id: 'none', type: 'wait', config: {} },
          { id: 'local', type: 'wait', config: { until: '2030-01-01T00:00:00' } },
          { id: 'huge', type: 'wait', config: { duration: '1e400m' } },
        ],
      } as never),
    );
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(error.problems!.map((p) => p.path).sort()).toEqual(
      [
        '$.steps[0].config.duration',
        '$.steps[1].config.duration',
        '$.steps[2].config',
        '$.steps[3].config',
        '$.steps[4].config.until',
        '$.steps[5].config.duration',
      ].sort(),
    );
    expect((await db.query("select count(*)::int as n from workflow_definitions where id = 'bad-waits'")).rows[0].n).toBe(0);
  });

  it('fails the step INVALID_WAIT, naming the value, when a template resolves to something that is not a wait', async () => {
    const id = await client.executeWorkflow('wait-var', { d: 'soon' });
    const execution = await client.waitForCompletion(id, { timeoutMs: 30_000 });
    expect(execution.status).toBe('failed');
    const [w] = step(execution, 'w');
    expect(w!.error).toMatchObject({ code: 'INVALID_WAIT', message: expect.stringContaining('"soon"'), details: { field: 'duration', value: 'soon' } });
    expect(step(execution, 'b')).toEqual([]);
  });

  it('paused past its due time, nothing continues until the resume; a cancel during a wait runs nothing after it', async () => {
    const paused = await client.executeWorkflow('wait-1500');
    const cancelled = await client.executeWorkflow('wait-1500');
    const due = await waiting(paused);
    await waiting(cancelled);
    await client.pauseWorkflow(paused);
    expect(await client.cancelExecution(cancelled)).toMatchObject({ status: 'cancelled' });
    await sleep(Math.max(0, due - Date.now()) + POLL_MS + SLACK_MS);

    const held = await client.getExecution(paused);
    expect(held.status).toBe('paused');
    expect(step(held, 'b')).toEqual([]);
    expect(step(held, 'w')[0]!.status).toBe('running');
    const resumedAt = Date.now();
    await client.resumeWorkflow(paused);
    const resumed = await client.waitForCompletion(paused, { timeoutMs: 30_000 });
    expect(resumed.status).toBe('completed');
    const [b] = step(resumed, 'b');
    expect(ms(b!.queuedAt)).toBeGreaterThanOrEqual(resumedAt - 5);
    expect(step(resumed, 'b')).toHaveLength(1);

    const gone = await client.getExecution(cancelled);
    expect(gone.status).toBe('cancelled');
    expect(step(gone, 'w')[0]!.status).toBe('cancelled');
    expect(step(gone, 'b')).toEqual([]);
    // Its timer fired meanwhile and was dropped.
    expect(await signals(cancelled)).toBe(0);
  });

  it('a restore to a snapshot taken during a wait waits again and continues', async () => {
    const at = new Date(Date.now() + 2000).toISOString();
    const id = await client.executeWorkflow('wait-until', { at });
    await waiting(id);
    const snapshot = await client.createSnapshot(id);
    const first = await client.waitForCompletion(id, { timeoutMs: 30_000 });
    expect(first.status).toBe('completed');
    await client.restoreSnapshot(id, snapshot.id);
    const again = await client.waitForCompletion(id, { timeoutMs: 30_000 });
    expect(again.status).toBe('completed');
    // The wait ran again under a new attempt (its instant is past now: at once), and so did the step after it.
    expect(step(again, 'w').map((s) => s.attempt)).toEqual([1, 2]);
    expect(step(again, 'b')).toHaveLength(2);
  });

  it('survives a Redis FLUSHALL during the wait: continues at the right time, once', async () => {
    const id = await client.executeWorkflow('wait-1500');
    const due = await waiting(id);
    const flusher = new Redis(redis.url);
    await flusher.flushall();
    flusher.disconnect();
    const execution = await client.waitForCompletion(id, { timeoutMs: 60_000 });
    expect(execution.status).toBe('completed');
    continuedOnTime(execution, due);
  });

  it('a malformed signal row is deleted and one whose delivery keeps throwing is postponed, never dropped; both are logged and stall no other wait', async () => {
    // Two executions stopped at their wait (1.5 s); one's state gets a node of a step the workflow does not
    // have, so applying a signal to it throws (a poison row); a row with no signal in it beside them.
    const [victim, bystander] = await Promise.all([client.executeWorkflow('wait-1500'), client.executeWorkflow('wait-1500')]);
    await waiting(victim);
    const due = await waiting(bystander);
    // Where its nodes are: inline in a small execution's state, else rows. The version moves, as with
    // any write: the coordinator's cached state is then known to be stale, and the row is read.
    const ghost = '{"stepId":"ghost","status":"waiting","attempt":1}';
    await db.query(
      `insert into execution_nodes (execution_id, key, node)
       select $1, 'ghost', $2::jsonb where not exists (select 1 from workflow_executions where id = $1 and state ? 'nodes')`,
      [victim, ghost],
    );
    await db.query(
      `update workflow_executions
          set version = version + 1, state = case when state ? 'nodes' then jsonb_set(state, '{nodes,ghost}', $2::jsonb) else state end
        where id = $1`,
      [victim, ghost],
    );
    await db.query(
      `insert into step_signals (execution_id, instance_key, attempt, signal, due_at)
       values ($1, 'ghost', 1, '{"type":"timer"}', now()), ($1, 'w', 1, '{"type":"bogus"}', now())`,
      [victim],
    );
    const execution = await client.waitForCompletion(bystander, { timeoutMs: 30_000 });
    expect(execution.status).toBe('completed');
    continuedOnTime(execution, due);
    const deadline = Date.now() + 15_000;
    const lines = () => cluster.coordinator.lines.filter((line) => line.includes(victim));
    while (!lines().some((line) => line.includes('postponed'))) {
      if (Date.now() > deadline) throw new Error('the throwing row was never postponed');
      await sleep(100);
    }
    // Kept, due later: a failure that passes (a fixed release) still wakes its wait.
    const { rows } = await db.query<{ later: boolean }>("select due_at > now() as later from step_signals where execution_id = $1 and instance_key = 'ghost'", [
      victim,
    ]);
    expect(rows).toEqual([{ later: true }]);
    expect(lines().some((line) => line.includes('malformed'))).toBe(true);
  });

  it('1,000 executions waiting an hour hold no job and no worker: only rows', async () => {
    await client.createWorkflow({
      id: 'wait-first',
      name: 'Wait first',
      version: '1',
      steps: [
        { id: 'w', type: 'wait', config: { duration: '1h' }, next: ['b'] },
        { id: 'b', type: 'script', config: { script: 'return 2;' } },
      ],
    });
    const ids: string[] = [];
    for (let i = 0; i < 1000; i += 50) ids.push(...(await Promise.all(Array.from({ length: 50 }, () => client.executeWorkflow('wait-first')))));
    const { rows } = await db.query<{ signals: number; waiting: number; other: number }>(
      `select (select count(*)::int from step_signals s join workflow_executions e on e.id = s.execution_id where e.workflow_id = 'wait-first') as signals,
              (select count(*)::int from step_runs r join workflow_executions e on e.id = r.execution_id
                where e.workflow_id = 'wait-first' and r.step_type = 'wait' and r.status = 'running') as waiting,
              (select count(*)::int from step_runs r join workflow_executions e on e.id = r.execution_id
                where e.workflow_id = 'wait-first' and r.step_type <> 'wait') as other`,
    );
    expect(rows[0]).toEqual({ signals: 1000, waiting: 1000, other: 0 });
    const queue = new Queue('step-script', { connection: { url: redis.url }, prefix: cluster.prefix });
    try {
      expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed')).toEqual({
        waiting: 0,
        active: 0,
        delayed: 0,
        prioritized: 0,
        'waiting-children': 0,
        failed: 0,
      });
    } finally {
      await queue.close();
    }
    expect((await client.getExecution(ids[999]!)).status).toBe('running');
  });

  it('a coordinator SIGKILLed during a wait: a fresh one continues it at the right time, exactly once', async () => {
    const id = await client.executeWorkflow('wait-1500');
    const due = await waiting(id);
    cluster.coordinator.kill();
    await cluster.coordinator.exited;
    fresh = await startCoordinator(
      { databaseUrl: cluster.databaseUrl, redisUrl: redis.url, prefix: cluster.prefix },
      { name: 'coordinator-fresh', env: { SHUTDOWN_TIMEOUT_MS: '5000', SIGNAL_POLL_MS: String(POLL_MS) } },
    );
    client = new AgenticFlowClient({ baseUrl: fresh.url, apiKey: fresh.adminKey });
    const execution = await client.waitForCompletion(id, { timeoutMs: 60_000 });
    expect(execution.status).toBe('completed');
    // A coordinator's start takes a while: the step after the wait runs at the first pass after that, no earlier than due.
    const [b, ...more] = step(execution, 'b');
    expect(more).toEqual([]);
    expect(ms(b!.queuedAt)).toBeGreaterThanOrEqual(due);
    if (Date.now() < due + POLL_MS + SLACK_MS) continuedOnTime(execution, due);
    expect(await signals(id)).toBe(0);
  });
});

describe('waits on two coordinators', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster([['script']], { coordinator: { SIGNAL_POLL_MS: String(POLL_MS) } }, { coordinators: 2 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('both poll the same signals: every wait is applied exactly once, on time', async () => {
    await cluster.client.createWorkflow({ id: 'wait-1500', ...wait({ duration: '1500ms' }) });
    // Starts spread over both coordinators, so each writes signals the other may deliver.
    const clients = cluster.coordinators.map((c) => new AgenticFlowClient({ baseUrl: c.url, apiKey: c.adminKey }));
    const ids = await Promise.all(Array.from({ length: 60 }, (_, i) => clients[i % 2]!.executeWorkflow('wait-1500')));
    const executions = await Promise.all(ids.map((id) => cluster.client.waitForCompletion(id, { timeoutMs: 60_000 })));
    for (const execution of executions) {
      expect(execution.status).toBe('completed');
      expect(execution.steps.map((s) => s.stepId)).toEqual(['a', 'w', 'b']);
      const [, w, b] = execution.steps;
      expect(ms(b!.queuedAt)).toBeGreaterThanOrEqual(ms(w!.startedAt) + 1500);
    }
    const db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ signals: number; versions: number }>(
        'select (select count(*)::int from step_signals) as signals, (select sum(version)::int from workflow_executions) as versions',
      );
      // a, the wait's signal, b: three transitions after the start, none written twice.
      expect(rows[0]).toEqual({ signals: 0, versions: 3 * 60 });
    } finally {
      await db.end();
    }
  });
});
