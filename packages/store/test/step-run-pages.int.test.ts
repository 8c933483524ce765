import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  InvalidCursorError,
  encodeCursor,
  listStepRuns,
  listStepRunSummaries,
  pageStepRunSummaries,
  pageStepRuns,
  runWrites,
  type NewExecution,
  type StepRunPage,
  type StepRunWrite,
} from '@agentic-flow/store';
import { migratedDatabase } from './migrated-database.js';

const store = migratedDatabase();

const execution = (): NewExecution => ({
  id: randomUUID(),
  namespace: 'default',
  workflowId: 'wf',
  workflowVersion: '1',
  status: 'running',
  state: { v: 1 },
  variables: {},
  error: null,
  createdAt: new Date(),
  startedAt: new Date(),
  finishedAt: null,
});

const run = (e: NewExecution, key: string, queuedAt: Date | null, attempt = 1): StepRunWrite => ({
  id: randomUUID(),
  executionId: e.id,
  stepId: key.split('/').pop()!,
  instanceKey: key,
  stepType: 'script',
  attempt,
  status: 'queued',
  queuedAt,
  output: { key, attempt },
});

/**
 * 25 runs: 12 queued in one millisecond (a parallel's branches, one with a second attempt), 10
 * queued one by one, 3 recorded without a queue time; and another execution's runs beside them.
 */
async function seed(): Promise<NewExecution> {
  const e = execution();
  const other = execution();
  const same = new Date(1_700_000_000_000);
  const runs = [
    ...Array.from({ length: 11 }, (_, i) => run(e, `par/b${String(i).padStart(2, '0')}`, same)),
    run(e, 'par/b03', same, 2),
    ...Array.from({ length: 10 }, (_, i) => run(e, `loop#${i}/s`, new Date(same.getTime() + 1 + i))),
    ...['z', 'a', 'm'].map((key) => run(e, key, null)),
  ];
  expect(runs).toHaveLength(25);
  await runWrites(store.handle.pool, {
    newExecutions: [e, other],
    stepRuns: [...runs, run(other, 'par/b00', same), run(other, 'x', null)],
    executions: [],
    logs: [],
  });
  return e;
}

/** Every page of `read`, the way a client follows `nextStepsCursor`. */
async function pages<Row>(read: (cursor?: string) => Promise<StepRunPage<Row>>): Promise<Row[][]> {
  const seen: Row[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await read(cursor);
    seen.push(page.rows);
    if (page.nextCursor === null) return seen;
    cursor = page.nextCursor;
  }
}

describe('an execution step runs, page by page', () => {
  it('pages 25 runs by 10: 10, 10, 5, then a null cursor, in exactly the unpaged order', async () => {
    const e = await seed();
    const whole = await listStepRuns(store.handle.db, e.id);
    const paged = await pages((cursor) => pageStepRuns(store.handle.db, e.id, { limit: 10, ...(cursor ? { cursor } : {}) }));
    expect(paged.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(paged.flat().map((r) => r.id)).toEqual(whole.map((r) => r.id));
    expect(new Set(paged.flat().map((r) => r.id)).size).toBe(25);
    expect(paged.flat()[0]).toMatchObject({ instanceKey: 'par/b00', output: { key: 'par/b00', attempt: 1 } });
    // Runs without a queue time come last, by instance key.
    expect(whole.slice(-3).map((r) => r.instanceKey)).toEqual(['a', 'm', 'z']);

    const summaries = await pages((cursor) => pageStepRunSummaries(store.handle.db, e.id, { limit: 10, ...(cursor ? { cursor } : {}) }));
    expect(summaries.flat().map((r) => r.id)).toEqual((await listStepRunSummaries(store.handle.db, e.id)).map((r) => r.id));
    expect(summaries.flat()[0]).not.toHaveProperty('output');
  });

  it('the exact page sizes: one page when the limit covers every run, a page of one', async () => {
    const e = await seed();
    expect(await pageStepRuns(store.handle.db, e.id, { limit: 25 })).toMatchObject({ rows: { length: 25 }, nextCursor: null });
    const ones = await pages((cursor) => pageStepRunSummaries(store.handle.db, e.id, { limit: 1, ...(cursor ? { cursor } : {}) }));
    expect(ones).toHaveLength(25);
    expect(ones.flat().map((r) => r.id)).toEqual((await listStepRuns(store.handle.db, e.id)).map((r) => r.id));
  });

  it('misses and repeats nothing when runs of the same millisecond finish between two pages', async () => {
    const e = await seed();
    const first = await pageStepRuns(store.handle.db, e.id, { limit: 5 });
    // The later branches finish, in the reverse order of their keys, after the first page was read.
    await store.handle.pool.query(
      `update step_runs set status = 'succeeded', finished_at = now() - ascii(right(instance_key, 1)) * interval '1 second'
        where execution_id = $1 and instance_key > 'par/b04' and queued_at is not null`,
      [e.id],
    );
    const rest = await pages((cursor) => pageStepRuns(store.handle.db, e.id, { limit: 5, cursor: cursor ?? first.nextCursor! }));
    const ids = [...first.rows, ...rest.flat()].map((r) => r.id);
    expect(ids).toEqual((await listStepRuns(store.handle.db, e.id)).map((r) => r.id));
    expect(new Set(ids).size).toBe(25);
  });

  it('refuses a forged cursor, and one of another execution, before reading', async () => {
    const e = await seed();
    const other = await seed();
    const { nextCursor } = await pageStepRuns(store.handle.db, other.id, { limit: 3 });
    for (const cursor of [
      'forged',
      nextCursor!,
      encodeCursor(new Date(), [e.id]),
      encodeCursor(new Date(), [e.id, 'x', 'a', '1']),
      encodeCursor(new Date(), [e.id, 'q', '', '1']),
      encodeCursor(new Date(), [e.id, 'q', 'a\u0000', '1']),
      encodeCursor(new Date(), [e.id, 'q', 'a', '-1']),
      encodeCursor(new Date(), [e.id, 'q', 'a', '99999999999']),
    ]) {
      await expect(pageStepRuns(store.handle.db, e.id, { limit: 3, cursor })).rejects.toThrow(InvalidCursorError);
      await expect(pageStepRunSummaries(store.handle.db, e.id, { limit: 3, cursor })).rejects.toThrow(InvalidCursorError);
    }
    // The same shape with this execution's id is a position like any other.
    expect(
      (await pageStepRuns(store.handle.db, e.id, { limit: 3, cursor: encodeCursor(new Date(0), [e.id, 'n', 'm', '1']) })).rows.map((r) => r.instanceKey),
    ).toEqual(['z']);
  });
});
