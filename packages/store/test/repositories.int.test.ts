import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  InvalidCursorError,
  findDefinition,
  executionExists,
  findExecution,
  findExecutionOverview,
  findStepRun,
  insertDefinition,
  listDefinitions,
  listExecutions,
  listLogs,
  listStepRunSummaries,
  listStepRuns,
  runOptimisticTransition,
  runTransition,
  runWrites,
  type NewExecution,
  type StepRunWrite,
} from '@agentic-flow/store';
import { migratedDatabase } from './migrated-database.js';

const store = migratedDatabase();

const execution = (overrides: Partial<NewExecution> = {}): NewExecution => ({
  id: randomUUID(),
  namespace: 'default',
  workflowId: 'wf',
  workflowVersion: '1',
  status: 'running',
  state: { v: 1 },
  variables: { a: 1 },
  error: null,
  createdAt: new Date(),
  startedAt: new Date(),
  finishedAt: null,
  ...overrides,
});

const insert = (rows: NewExecution[], stepRuns: StepRunWrite[] = []) =>
  runWrites(store.handle.pool, { newExecutions: rows, stepRuns, executions: [], logs: [] });
const run = (e: NewExecution, key: string, extra: Partial<StepRunWrite> = {}): StepRunWrite => ({
  id: randomUUID(),
  executionId: e.id,
  stepId: key,
  instanceKey: key,
  stepType: 'http',
  attempt: 1,
  status: 'queued',
  queuedAt: new Date(1),
  ...extra,
});

describe('definitions', () => {
  it('are immutable: identical content is a no-op, other content a conflict', async () => {
    const row = {
      namespace: 'default',
      id: 'imm',
      version: '1.0.0',
      name: 'I',
      description: 'd',
      definition: { x: 1 },
      contentHash: 'abc',
      createdAt: new Date(2_000),
    };
    expect(await insertDefinition(store.handle.db, row)).toBe('created');
    expect(await insertDefinition(store.handle.db, row)).toBe('identical');
    expect(await insertDefinition(store.handle.db, { ...row, contentHash: 'other', definition: { x: 2 } })).toBe('conflict');
    expect((await findDefinition(store.handle.db, 'default', 'imm', '1.0.0'))?.definition).toEqual({ x: 1 });
  });

  it('finds the latest registered version and pages through every version', async () => {
    for (const [i, version] of ['1', '2', '10'].entries()) {
      await insertDefinition(store.handle.db, {
        namespace: 'default',
        id: 'multi',
        version,
        name: 'M',
        description: null,
        definition: { version },
        contentHash: version,
        createdAt: new Date(10_000 + i),
      });
    }
    expect((await findDefinition(store.handle.db, 'default', 'multi'))?.version).toBe('10');
    expect(await findDefinition(store.handle.db, 'default', 'nope')).toBeUndefined();
    const first = await listDefinitions(store.handle.db, { namespace: 'default', id: 'multi', limit: 2 });
    expect(first.rows.map((r) => r.version)).toEqual(['10', '2']);
    const second = await listDefinitions(store.handle.db, { namespace: 'default', id: 'multi', limit: 2, cursor: first.nextCursor! });
    expect(second).toEqual({ rows: [expect.objectContaining({ version: '1' })], nextCursor: null });
    await expect(listDefinitions(store.handle.db, { namespace: 'default', limit: 2, cursor: 'junk' })).rejects.toThrow(InvalidCursorError);
  });
});

describe('executions', () => {
  it('lists newest first by workflow and status, with cursors that neither skip nor repeat', async () => {
    await insertDefinition(store.handle.db, {
      namespace: 'default',
      id: 'listed',
      version: '1',
      name: 'L',
      description: null,
      definition: {},
      contentHash: 'l',
      createdAt: new Date(3_000),
    });
    const base = Date.now();
    const rows = Array.from({ length: 25 }, (_, i) =>
      // Pairs share a timestamp: the id must break the tie.
      execution({ workflowId: 'listed', status: i % 3 === 0 ? 'failed' : 'completed', createdAt: new Date(base + Math.floor(i / 2)) }),
    );
    await insert(rows);
    const expected = rows
      .filter((r) => r.status === 'completed')
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listExecutions(store.handle.db, {
        namespace: 'default',
        workflowId: 'listed',
        statuses: ['completed'],
        limit: 4,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.rows.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expected);
    const both = await listExecutions(store.handle.db, { namespace: 'default', workflowId: 'listed', statuses: ['completed', 'failed'], limit: 100 });
    expect(both.rows).toHaveLength(25);
    await expect(listExecutions(store.handle.db, { namespace: 'default', limit: 1, cursor: 'bm90IGEgY3Vyc29y' })).rejects.toThrow(InvalidCursorError);
  });

  it('locks, completes runs and writes many executions in one transaction of two round trips', async () => {
    const [a, b] = [execution(), execution()];
    const runA = run(a, 'step-a');
    await insert([a, b], [runA]);
    const done = { status: 'succeeded' as const, startedAt: 10.25, finishedAt: 20.5, workerId: 'w1' };
    const { value, stepRuns, versions } = await runTransition(
      store.handle.pool,
      { lock: [b.id, a.id, randomUUID()], complete: [{ id: runA.id, executionId: a.id, attempt: 1, ...done, output: { ok: true } }] },
      async ({ executions, completed }) => {
        expect(executions.map((e) => e.id)).toEqual([a.id, b.id].sort());
        expect(completed).toEqual([{ id: runA.id, executionId: a.id, instanceKey: 'step-a', attempt: 1 }]);
        return {
          value: 'decided',
          writes: {
            stepRuns: [run(a, 'step-b')],
            executions: [
              {
                id: a.id,
                version: 0,
                status: 'completed',
                state: { v: 1, done: true },
                error: null,
                startedAt: a.startedAt,
                finishedAt: new Date(5_000),
                updatedAt: new Date(5_000),
              },
              {
                id: b.id,
                version: 0,
                status: 'failed',
                state: { v: 1 },
                error: { code: 'X', message: 'm', stepId: 's' },
                startedAt: null,
                finishedAt: new Date(6_000),
                updatedAt: new Date(6_000),
              },
            ],
            logs: [{ executionId: a.id, stepRunId: runA.id, stepId: 'step-a', level: 'info', message: 'it\'s "quoted" $af$ text', at: new Date(7) }],
          },
        };
      },
    );
    expect(value).toBe('decided');
    expect(versions.sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual(
      [
        { id: a.id, version: 1 },
        { id: b.id, version: 1 },
      ].sort((x, y) => (x.id < y.id ? -1 : 1)),
    );
    expect(stepRuns.map((k) => k.instanceKey)).toEqual(['step-b']);
    expect(await findExecution(store.handle.db, a.id, 'default')).toMatchObject({
      status: 'completed',
      state: { v: 1, done: true },
      finishedAt: new Date(5_000),
    });
    expect(await findExecution(store.handle.db, b.id, 'default')).toMatchObject({
      status: 'failed',
      error: { code: 'X', message: 'm', stepId: 's' },
      startedAt: null,
    });
    expect((await listLogs(store.handle.db, a.id)).map((l) => l.message)).toEqual(['it\'s "quoted" $af$ text']);
    const { rows: precise } = await store.handle.pool.query('select extract(epoch from started_at) * 1000 as s from step_runs where id = $1', [runA.id]);
    expect(Number(precise[0].s)).toBeCloseTo(10.25, 3);
  });

  it('rolls back everything when a write fails, and the connection stays usable', async () => {
    const e = execution();
    const r = run(e, 'x');
    await insert([e], [r]);
    await expect(
      runTransition(
        store.handle.pool,
        { lock: [e.id], complete: [{ id: r.id, executionId: e.id, attempt: 1, status: 'succeeded', output: 1, startedAt: 1, finishedAt: 2, workerId: 'w' }] },
        async () => ({
          value: null,
          writes: {
            stepRuns: [],
            executions: [
              { id: e.id, version: 0, status: 'bogus' as 'failed', state: {}, error: null, startedAt: null, finishedAt: null, updatedAt: new Date() },
            ],
            logs: [],
          },
        }),
      ),
    ).rejects.toThrow(/check constraint/);
    expect((await listStepRuns(store.handle.db, e.id))[0]!.status).toBe('queued');
    expect((await findExecution(store.handle.db, e.id, 'default'))!.status).toBe('running');
  });
});

describe('one-statement transitions', () => {
  const done = { status: 'succeeded' as const, startedAt: 1, finishedAt: 2, workerId: 'w' };
  const stateUpdate = (e: NewExecution, version: number, state: unknown) => ({
    id: e.id,
    version,
    status: 'running' as const,
    state,
    error: null,
    startedAt: null,
    finishedAt: null,
    updatedAt: new Date(),
  });

  it('writes everything when the versions and runs match, and returns the new versions and run keys', async () => {
    const e = execution();
    const r = run(e, 'a');
    await insert([e], [r]);
    const next = run(e, 'b');
    const outcome = await runOptimisticTransition(store.handle.pool, {
      completions: [{ id: r.id, executionId: e.id, instanceKey: 'a', attempt: 1, ...done, output: 'A' }],
      executions: [stateUpdate(e, 0, { step: 'b' })],
      stepRuns: [next],
      logs: [{ executionId: e.id, stepRunId: r.id, stepId: 'a', level: 'info', message: 'hi', at: new Date() }],
    });
    expect(outcome).toEqual({ versions: [{ id: e.id, version: 1 }], stepRuns: [{ id: next.id, executionId: e.id, instanceKey: 'b', attempt: 1 }] });
    // A state is read back whole: its nodes (none here) are put back in from their rows.
    expect((await findExecution(store.handle.db, e.id, 'default'))!.state).toEqual({ step: 'b', nodes: {} });
    expect((await listStepRuns(store.handle.db, e.id)).map((x) => [x.instanceKey, x.status, x.output])).toEqual([
      ['a', 'succeeded', 'A'],
      ['b', 'queued', null],
    ]);
  });

  it('writes nothing when an execution moved on, a result is a duplicate, or its instance key is wrong', async () => {
    const e = execution();
    const r = run(e, 'a');
    await insert([e], [r]);
    const attempt = (version: number, instanceKey = 'a', id = r.id) =>
      runOptimisticTransition(store.handle.pool, {
        completions: [{ id, executionId: e.id, instanceKey, attempt: 1, ...done, output: 'A' }],
        executions: [stateUpdate(e, version, { moved: true })],
        stepRuns: [run(e, 'b')],
        logs: [{ executionId: e.id, stepRunId: r.id, stepId: 'a', level: 'info', message: 'should not stay', at: new Date() }],
      });
    expect(await attempt(7)).toBeNull();
    expect(await attempt(0, 'not-a')).toBeNull();
    expect(await attempt(0, 'a', randomUUID())).toBeNull();
    expect(await findExecution(store.handle.db, e.id, 'default')).toMatchObject({ state: { v: 1 }, version: 0 });
    expect((await listStepRuns(store.handle.db, e.id)).map((x) => [x.instanceKey, x.status])).toEqual([['a', 'queued']]);
    expect(await listLogs(store.handle.db, e.id)).toEqual([]);
  });
});

describe('step runs', () => {
  it('upserts by (execution, instance key, attempt) and keeps the first id', async () => {
    const e = execution();
    const first = run(e, 's', { stepType: 'script', input: { script: 'x' } });
    const [key] = await insert([e], [first]);
    expect(key).toEqual({ id: first.id, executionId: e.id, instanceKey: 's', attempt: 1 });
    const [again] = await runWrites(store.handle.pool, {
      stepRuns: [run(e, 's', { status: 'cancelled', queuedAt: null, finishedAt: new Date(2) })],
      executions: [],
      logs: [],
    });
    expect(again!.id).toBe(first.id);
    expect((await listStepRuns(store.handle.db, e.id))[0]).toMatchObject({
      id: first.id,
      status: 'cancelled',
      input: { script: 'x' },
      queuedAt: new Date(1),
      finishedAt: new Date(2),
    });
  });

  it('applies a result once, to the right attempt and execution only, and keeps null outputs apart from none', async () => {
    const e = execution();
    const runs = [run(e, 's0'), run(e, 's1', { queuedAt: new Date(2) })];
    await insert([e], runs);
    const done = { status: 'succeeded' as const, startedAt: 10, finishedAt: 20, workerId: 'w1' };
    const complete = async (completions: Parameters<typeof runTransition>[1]['complete']) =>
      (
        await runTransition(store.handle.pool, { lock: [], complete: completions }, async ({ completed }) => ({
          value: completed,
          writes: { stepRuns: [], executions: [], logs: [] },
        }))
      ).value;
    expect(await complete([{ id: runs[0]!.id, executionId: e.id, attempt: 2, ...done, output: 1 }])).toEqual([]);
    expect(await complete([{ id: runs[0]!.id, executionId: randomUUID(), attempt: 1, ...done, output: 1 }])).toEqual([]);
    const response = { status: 204, headers: { 'set-cookie': ['a=1', 'b=2'] } };
    const applied = await complete([
      { id: runs[0]!.id, executionId: e.id, attempt: 1, ...done, output: null, response },
      { id: runs[1]!.id, executionId: e.id, attempt: 1, ...done, status: 'failed', error: { code: 'TIMEOUT', message: 't' } },
    ]);
    expect(applied.map((k) => k.id).sort()).toEqual(runs.map((r) => r.id).sort());
    expect(await complete([{ id: runs[0]!.id, executionId: e.id, attempt: 1, ...done, output: 'again' }])).toEqual([]);
    expect((await listStepRuns(store.handle.db, e.id)).map((r) => [r.status, r.output, r.error, r.workerId, r.response])).toEqual([
      ['succeeded', null, null, 'w1', response],
      ['failed', null, { code: 'TIMEOUT', message: 't' }, 'w1', null],
    ]);
    // An http step's status and headers are small: a summary has them.
    expect((await listStepRunSummaries(store.handle.db, e.id))[0]).toMatchObject({ response });
  });

  it('reads an overview and run summaries without selecting outputs, and one run with its output', async () => {
    const state = {
      v: 1,
      variables: { now: 2 },
      usage: { inputTokens: 3, outputTokens: 4, costUsd: 0.5 },
      tokenBudget: 100,
      nodes: {
        big: { stepId: 'big', status: 'succeeded', attempt: 1, output: 'x'.repeat(1000) },
        'loop#1/wait': { stepId: 'wait', status: 'escalated', attempt: 2, error: { code: 'TIMEOUT', message: 't' } },
        held: { stepId: 'held', status: 'escalated', attempt: 1 },
      },
    };
    const e = execution({ state, variables: { given: 1 } });
    const runs = [run(e, 'big', { input: { script: 'y' }, output: 'x'.repeat(1000), status: 'succeeded' }), run(e, 'wait', { queuedAt: new Date(2) })];
    await insert([e], runs);
    const overview = await findExecutionOverview(store.handle.db, e.id, 'default');
    expect(overview).toEqual({
      id: e.id,
      namespace: 'default',
      workflowId: 'wf',
      workflowVersion: '1',
      status: 'running',
      error: null,
      createdAt: e.createdAt,
      startedAt: e.startedAt,
      finishedAt: null,
      input: { given: 1 },
      variables: { now: 2 },
      usage: { inputTokens: 3, outputTokens: 4, costUsd: 0.5 },
      tokenBudget: 100,
      escalations: [
        { stepId: 'held', instanceKey: 'held', attempt: 1, error: null },
        { stepId: 'wait', instanceKey: 'loop#1/wait', attempt: 2, error: { code: 'TIMEOUT', message: 't' } },
      ],
    });
    const summaries = await listStepRunSummaries(store.handle.db, e.id);
    expect(summaries.map((r) => r.id)).toEqual(runs.map((r) => r.id));
    // Not selected at all: the rows have no such keys.
    expect(summaries.some((row) => 'input' in row || 'output' in row || 'transcript' in row)).toBe(false);
    expect(await findStepRun(store.handle.db, e.id, runs[0]!.id, 'default')).toMatchObject({ id: runs[0]!.id, output: 'x'.repeat(1000) });
    expect(await findStepRun(store.handle.db, randomUUID(), runs[0]!.id, 'default')).toBeUndefined();
    expect(await executionExists(store.handle.db, e.id, 'default')).toBe(true);
    expect(await executionExists(store.handle.db, randomUUID(), 'default')).toBe(false);
    expect(await findExecutionOverview(store.handle.db, randomUUID(), 'default')).toBeUndefined();
  });
});
