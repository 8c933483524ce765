import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  assignEventPositions,
  eventStreamTip,
  insertEventsSql,
  pruneEvents,
  readEvents,
  runOptimisticTransition,
  runTransition,
  runWrites,
  type NewError,
  type NewEvent,
  type NewExecution,
} from '@agentic-flow/store';
import { migratedDatabase } from './migrated-database.js';

const store = migratedDatabase({ poolSize: 6 });

const event = (executionId: string, type: NewEvent['type'], data: Record<string, unknown> = {}, namespace = 'default'): NewEvent => ({
  namespace,
  type,
  executionId,
  workflowId: 'wf',
  data,
});
const stateUpdate = (id: string, version: number) => ({
  id,
  version,
  status: 'running' as const,
  state: { moved: version + 1 },
  error: null,
  startedAt: null,
  finishedAt: null,
  updatedAt: new Date(),
});

async function newExecution(): Promise<{ id: string; runId: string }> {
  const e: NewExecution = {
    id: randomUUID(),
    namespace: 'default',
    workflowId: 'wf',
    workflowVersion: '1',
    status: 'running',
    state: {},
    variables: {},
    error: null,
    createdAt: new Date(),
    startedAt: new Date(),
    finishedAt: null,
  };
  const runId = randomUUID();
  await runWrites(store.handle.pool, {
    newExecutions: [e],
    stepRuns: [{ id: runId, executionId: e.id, stepId: 'a', instanceKey: 'a', stepType: 'http', attempt: 1, status: 'queued', queuedAt: new Date() }],
    executions: [],
    logs: [],
    events: [event(e.id, 'workflow:started'), event(e.id, 'step:started', { stepId: 'a' })],
  });
  return { id: e.id, runId };
}

/** Every positioned event of one execution, in stream order. */
async function eventsOf(executionId: string): Promise<{ position: string; type: string; data: Record<string, unknown> }[]> {
  await assignEventPositions(store.handle.pool);
  return readEvents(store.handle.pool, { namespace: 'default', after: '0', executionIds: [executionId], limit: 1000 });
}

describe('events written with their transition', () => {
  it('commit with the writes of every path, in the order given, and only with them', async () => {
    const e = await newExecution();
    // One statement: the events ride along as its sixth parameter.
    const fast = await runOptimisticTransition(store.handle.pool, {
      completions: [
        { id: e.runId, executionId: e.id, instanceKey: 'a', attempt: 1, status: 'succeeded', output: 1, startedAt: 1, finishedAt: 2, workerId: 'w' },
      ],
      executions: [stateUpdate(e.id, 0)],
      stepRuns: [],
      logs: [],
      errors: [],
      events: [event(e.id, 'step:completed', { stepId: 'a' }), event(e.id, 'step:started', { stepId: 'b' })],
    });
    expect(fast).not.toBeNull();
    // Stale: nothing is written, events included.
    const stale = await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [stateUpdate(e.id, 0)],
      stepRuns: [],
      logs: [],
      errors: [],
      events: [event(e.id, 'workflow:failed')],
    });
    expect(stale).toBeNull();
    // The locking path, and one that throws inside its transaction: no event of it survives.
    await runTransition(store.handle.pool, { lock: [e.id], complete: [] }, async ({ executions }) => ({
      writes: {
        stepRuns: [],
        executions: [stateUpdate(e.id, executions[0]!.version)],
        logs: [],
        events: [event(e.id, 'workflow:paused', { status: 'paused' })],
      },
      value: undefined,
    }));
    await expect(
      runTransition(store.handle.pool, { lock: [e.id], complete: [] }, async ({ executions }) => ({
        writes: {
          stepRuns: [],
          executions: [stateUpdate(e.id, executions[0]!.version)],
          logs: [],
          events: [event(e.id, 'workflow:resumed')],
          resolvedErrors: [{ id: 'not-a-uuid', resolution: {} }],
        },
        value: undefined,
      })),
    ).rejects.toThrow();
    const types = (await eventsOf(e.id)).map((row) => `${row.type}${row.data['stepId'] ? `:${String(row.data['stepId'])}` : ''}`);
    expect(types).toEqual(['workflow:started', 'step:started:a', 'step:completed:a', 'step:started:b', 'workflow:paused']);
  });

  it('raise alert:created with each escalation alert, on both paths', async () => {
    const e = await newExecution();
    const failure: NewError = {
      executionId: e.id,
      namespace: 'default',
      key: 'a',
      stepId: 'a',
      stepType: 'http',
      attempt: 1,
      code: 'HTTP_STATUS',
      message: 'status 503',
      strategy: 'escalate',
      escalationHandler: 'ops',
      at: new Date(),
    };
    await runOptimisticTransition(store.handle.pool, {
      completions: [
        {
          id: e.runId,
          executionId: e.id,
          instanceKey: 'a',
          attempt: 1,
          status: 'failed',
          error: { code: 'HTTP_STATUS', message: 'status 503' },
          startedAt: 1,
          finishedAt: 2,
          workerId: 'w',
        },
      ],
      executions: [stateUpdate(e.id, 0)],
      stepRuns: [],
      logs: [],
      errors: [failure],
      events: [],
    });
    await runWrites(store.handle.pool, {
      stepRuns: [],
      executions: [],
      logs: [],
      errors: [
        { ...failure, key: 'b', stepId: 'b' },
        { ...failure, key: 'c', stepId: 'c', strategy: 'skip' },
      ],
    });
    const alerts = (await eventsOf(e.id)).filter((row) => row.type === 'alert:created');
    expect(alerts).toHaveLength(2);
    expect(alerts[0]!.data).toMatchObject({
      alertType: 'escalation',
      severity: 'warning',
      details: { escalationHandler: 'ops', stepId: 'a', code: 'HTTP_STATUS' },
    });
    expect(String(alerts[1]!.data['message'])).toContain('step "b" failed');
  });

  it('raise alert:resolved when an escalation is decided or its execution cancelled, once', async () => {
    const e = await newExecution();
    const failure: NewError = {
      executionId: e.id,
      namespace: 'default',
      key: 'a',
      stepId: 'a',
      stepType: 'http',
      attempt: 1,
      code: 'HTTP_STATUS',
      message: 'status 503',
      strategy: 'escalate',
      escalationHandler: 'ops',
      at: new Date(),
    };
    await runWrites(store.handle.pool, { stepRuns: [], executions: [], logs: [], errors: [failure, { ...failure, key: 'b', stepId: 'b' }] });
    const { rows: opened } = await store.handle.pool.query<{ id: string; step_id: string }>(
      `select id, step_id from errors where execution_id = $1 order by step_id`,
      [e.id],
    );
    const resolve = { id: opened[0]!.id, resolution: { action: 'skip' } };
    await runWrites(store.handle.pool, { stepRuns: [], executions: [], logs: [], resolvedErrors: [resolve] });
    // A second decision on a closed error changes nothing, and raises nothing.
    await runWrites(store.handle.pool, { stepRuns: [], executions: [], logs: [], resolvedErrors: [resolve] });
    await runWrites(store.handle.pool, { stepRuns: [], executions: [], logs: [], closeOpenErrorsOf: [e.id] });
    await runWrites(store.handle.pool, { stepRuns: [], executions: [], logs: [], closeOpenErrorsOf: [e.id] });

    const streamed = (await eventsOf(e.id)).filter((row) => row.type.startsWith('alert:'));
    expect(streamed.map((row) => [row.type, (row.data['details'] as { stepId: string }).stepId])).toEqual([
      ['alert:created', 'a'],
      ['alert:created', 'b'],
      ['alert:resolved', 'a'],
      ['alert:resolved', 'b'],
    ]);
    const { rows: alerts } = await store.handle.pool.query<{ id: string; state: string; message: string; data: Record<string, unknown> }>(
      `select id, state, message, data from alerts where execution_id = $1 order by created_at, state`,
      [e.id],
    );
    const firingA = alerts.find((a) => a.state === 'firing' && a.data['stepId'] === 'a')!;
    const resolvedA = alerts.find((a) => a.state === 'resolved' && a.data['stepId'] === 'a')!;
    expect(resolvedA.message).toBe(`resolved (skip): step "a" failed (HTTP_STATUS: status 503) and waits for a decision`);
    expect(resolvedA.data).toMatchObject({ alertId: firingA.id, escalationHandler: 'ops', resolution: { action: 'skip' } });
    expect(alerts.find((a) => a.state === 'resolved' && a.data['stepId'] === 'b')!.message).toMatch(/^resolved \(cancel\): /);
    expect(streamed[2]!.data).toMatchObject({ alertId: resolvedA.id, severity: 'info' });
  });
});

describe('stream positions', () => {
  it('are handed out after commit, in insertion order, as a prefix: a reader never finds a new event below one it saw', async () => {
    const e = await newExecution();
    // An open transaction holds an event with a lower id than those committed after it.
    const open = new pg.Client({ connectionString: store.database.url });
    await open.connect();
    try {
      await open.query('begin');
      await open.query(insertEventsSql([event(e.id, 'step:retrying', { held: true })]));
      await runWrites(store.handle.pool, {
        stepRuns: [],
        executions: [],
        logs: [],
        events: [event(e.id, 'step:started', { n: 1 }), event(e.id, 'step:started', { n: 2 })],
      });
      await assignEventPositions(store.handle.pool);
      const before = await readEvents(store.handle.pool, { namespace: 'default', after: '0', executionIds: [e.id], limit: 100 });
      expect(before.map((r) => r.data['n'] ?? r.type)).toEqual(['workflow:started', 'step:started', 1, 2]);
      const last = before.at(-1)!.position;
      await open.query('commit');
      await assignEventPositions(store.handle.pool);
      const after = await readEvents(store.handle.pool, { namespace: 'default', after: last, executionIds: [e.id], limit: 100 });
      // Committed later, positioned later, whatever its id.
      expect(after.map((r) => r.data['held'])).toEqual([true]);
      expect(BigInt(after[0]!.position)).toBeGreaterThan(BigInt(last));
    } finally {
      await open.end();
    }
  });

  it('are unique and gap-free across concurrent writers and assigners', async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, () => newExecution()));
    await Promise.all([
      ...ids.map(({ id }) =>
        runWrites(store.handle.pool, {
          stepRuns: [],
          executions: [],
          logs: [],
          events: Array.from({ length: 50 }, (_, i) => event(id, 'step:completed', { i })),
        }),
      ),
      assignEventPositions(store.handle.pool, 7),
      assignEventPositions(store.handle.pool, 13),
      assignEventPositions(store.handle.pool),
    ]);
    while ((await assignEventPositions(store.handle.pool, 100)) > 0);
    const { rows } = await store.handle.pool.query<{ positions: string; distinct: string; min: string; max: string; unpositioned: string }>(
      `select count(position) as positions, count(distinct position) as distinct, min(position) as min, max(position) as max, count(*) filter (where position is null) as unpositioned from events`,
    );
    expect(rows[0]!.unpositioned).toBe('0');
    expect(rows[0]!.positions).toBe(rows[0]!.distinct);
    // Positions run 1..n with no hole: the next one handed out is n + 1.
    expect(Number(rows[0]!.max) - Number(rows[0]!.min) + 1).toBe(Number(rows[0]!.positions));
    expect((await eventStreamTip(store.handle.pool)).last).toBe(rows[0]!.max);
    // Per execution, stream order is the order written.
    for (const { id } of ids)
      expect((await eventsOf(id)).filter((r) => r.type === 'step:completed').map((r) => r.data['i'])).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('filter by namespace, execution, workflow, type and an upper bound', async () => {
    const e = await newExecution();
    await runWrites(store.handle.pool, {
      stepRuns: [],
      executions: [],
      logs: [],
      events: [event(e.id, 'workflow:completed'), { namespace: 'default', type: 'alert:created', executionId: null, workflowId: null, data: {} }],
    });
    await assignEventPositions(store.handle.pool);
    const all = await readEvents(store.handle.pool, { namespace: 'default', after: '0', executionIds: [e.id], limit: 100 });
    expect(all.map((r) => r.type)).toEqual(['workflow:started', 'step:started', 'workflow:completed']);
    expect(
      (
        await readEvents(store.handle.pool, {
          namespace: 'default',
          after: '0',
          executionIds: [e.id],
          types: ['workflow:completed', 'workflow:failed'],
          limit: 100,
        })
      ).map((r) => r.type),
    ).toEqual(['workflow:completed']);
    expect(await readEvents(store.handle.pool, { namespace: 'other', after: '0', executionIds: [e.id], limit: 100 })).toEqual([]);
    expect(await readEvents(store.handle.pool, { namespace: 'default', after: '0', workflowIds: ['nope'], limit: 100 })).toEqual([]);
    expect(
      (await readEvents(store.handle.pool, { namespace: 'default', after: '0', executionIds: [e.id], upTo: all[1]!.position, limit: 100 })).map((r) => r.type),
    ).toEqual(['workflow:started', 'step:started']);
    // Unfiltered, the reader sees events of no execution too, in position order.
    const tail = await readEvents(store.handle.pool, { after: all[1]!.position, limit: 100 });
    expect(tail.map((r) => r.type)).toEqual(['workflow:completed', 'alert:created']);
    expect(tail.map((r) => BigInt(r.position))).toEqual([...tail.map((r) => BigInt(r.position))].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('refuse an event type the stream does not know', async () => {
    await expect(
      runWrites(store.handle.pool, {
        stepRuns: [],
        executions: [],
        logs: [],
        events: [{ namespace: 'default', type: 'workflow:exploded' as NewEvent['type'], executionId: null, workflowId: null, data: {} }],
      }),
    ).rejects.toThrow(/events_type_check/);
  });
});

describe('retention', () => {
  it('prunes events older than the cutoff, oldest first, and records how far', async () => {
    const e = await newExecution();
    await assignEventPositions(store.handle.pool);
    const tip = await eventStreamTip(store.handle.pool);
    await store.handle.pool.query(`update events set created_at = now() - interval '2 days' where position <= $1`, [tip.last]);
    // Not yet positioned when pruning starts: positioned first, then kept (it is new).
    await runWrites(store.handle.pool, { stepRuns: [], executions: [], logs: [], events: [event(e.id, 'workflow:completed')] });
    const deleted = await pruneEvents(store.handle.pool, new Date(Date.now() - 86_400_000), 5);
    expect(deleted).toBe(Number(tip.last));
    const after = await eventStreamTip(store.handle.pool);
    expect(after.prunedThrough).toBe(tip.last);
    expect((await readEvents(store.handle.pool, { after: '0', limit: 100 })).map((r) => r.type)).toEqual(['workflow:completed']);
    expect(await pruneEvents(store.handle.pool, new Date(Date.now() - 86_400_000))).toBe(0);
    expect((await eventStreamTip(store.handle.pool)).prunedThrough).toBe(tip.last);
  });
});
