import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  childOfRun,
  executionFamily,
  latestChild,
  liveDescendants,
  orphanedChildren,
  runOptimisticTransition,
  runWrites,
  setParentAttempt,
  waitingWorkflowRuns,
  type NewExecution,
} from '@agentic-flow/store';
import { migratedDatabase } from './migrated-database.js';

const store = migratedDatabase();

function row(extra: Partial<NewExecution> = {}): NewExecution {
  const now = new Date();
  return {
    id: randomUUID(),
    namespace: 'default',
    workflowId: 'wf',
    workflowVersion: '1',
    status: 'running',
    state: {},
    variables: {},
    error: null,
    createdAt: now,
    startedAt: now,
    finishedAt: null,
    ...extra,
  };
}

const signalsOf = async (id: string) =>
  (
    await store.handle.pool.query<{ instance_key: string; attempt: number; signal: unknown }>(
      'select instance_key, attempt, signal from step_signals where execution_id = $1',
      [id],
    )
  ).rows;

/** A parent whose step `sub` (attempt 1, recorded running) waits for a child, and that child. */
async function family(parentStatus: NewExecution['status'] = 'running'): Promise<{ parent: string; child: string }> {
  const parent = row({ status: parentStatus });
  const child = row({ parentExecutionId: parent.id, parentInstanceKey: 'sub', parentAttempt: 1, depth: 1 });
  await runWrites(store.handle.pool, {
    newExecutions: [parent, child],
    stepRuns: [
      {
        id: randomUUID(),
        executionId: parent.id,
        stepId: 'sub',
        instanceKey: 'sub',
        stepType: 'workflow',
        attempt: 1,
        status: 'running',
        input: { workflowId: 'wf', variables: {}, depth: 1 },
        queuedAt: new Date(Date.now() - 60_000),
        startedAt: new Date(Date.now() - 60_000),
      },
    ],
    executions: [],
    logs: [],
  });
  return { parent: parent.id, child: child.id };
}

describe('child executions', () => {
  it('link both ways: the parent lists its children, the child names its parent', async () => {
    const { parent, child } = await family();
    expect(await executionFamily(store.handle.db, parent)).toEqual({
      parentExecutionId: null,
      children: [{ id: child, instanceKey: 'sub', status: 'running', workflowId: 'wf' }],
    });
    expect(await executionFamily(store.handle.db, child)).toEqual({ parentExecutionId: parent, children: [] });
    expect(await latestChild(store.handle.db, parent, 'sub')).toMatchObject({
      id: child,
      parentExecutionId: parent,
      parentInstanceKey: 'sub',
      parentAttempt: 1,
    });
    expect(await latestChild(store.handle.db, parent, 'other')).toBeUndefined();
    expect((await childOfRun(store.handle.db, parent, 'sub', 1))?.id).toBe(child);
    // Another attempt's run has no child of its own until one is started (or resumed) for it.
    expect(await childOfRun(store.handle.db, parent, 'sub', 2)).toBeUndefined();
  });

  it("a child's to-parent signal is addressed to the parent's waiting step run, with the attempt the child row holds then", async () => {
    const { parent, child } = await family();
    await setParentAttempt(store.handle.db, child, 3);
    await setParentAttempt(store.handle.db, child, 2); // never backwards
    const { rows } = await store.handle.pool.query<{ version: number }>('select version from workflow_executions where id = $1', [child]);
    const signal = { type: 'child-settled', childExecutionId: child, status: 'completed', output: { a: 1 } };
    const outcome = await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [
        {
          id: child,
          version: rows[0]!.version,
          status: 'completed',
          state: {},
          error: null,
          startedAt: new Date(),
          finishedAt: new Date(),
          updatedAt: new Date(),
        },
      ],
      stepRuns: [],
      logs: [],
      errors: [],
      signals: [{ executionId: child, instanceKey: '', attempt: 0, toParent: true, signal, dueAt: new Date() }],
    });
    expect(outcome).not.toBeNull();
    expect(await signalsOf(parent)).toEqual([{ instance_key: 'sub', attempt: 3, signal }]);
    expect(await signalsOf(child)).toEqual([]);
  });

  it('a to-parent signal of an execution without a parent writes nothing', async () => {
    const lone = row();
    await runWrites(store.handle.pool, {
      newExecutions: [lone],
      stepRuns: [],
      executions: [],
      logs: [],
      signals: [{ executionId: lone.id, instanceKey: '', attempt: 0, toParent: true, signal: { type: 'timer' }, dueAt: new Date() }],
    });
    expect(await signalsOf(lone.id)).toEqual([]);
  });

  it('deleting a parent keeps its child, unlinked', async () => {
    const { parent, child } = await family();
    await store.handle.pool.query('delete from workflow_executions where id = $1', [parent]);
    expect(await executionFamily(store.handle.db, child)).toEqual({ parentExecutionId: null, children: [] });
  });

  it('finds waiting workflow step runs and the active children of cancelled parents', async () => {
    const { parent } = await family();
    expect((await waitingWorkflowRuns(store.handle.db, 1_000, 1_000)).map((r) => [r.executionId, r.instanceKey, r.attempt])).toContainEqual([parent, 'sub', 1]);
    expect((await waitingWorkflowRuns(store.handle.db, 3_600_000, 1_000)).map((r) => r.executionId)).not.toContain(parent);
    const cancelled = await family('cancelled');
    expect((await orphanedChildren(store.handle.db, 1_000)).map((c) => c.id)).toContain(cancelled.child);
    expect((await orphanedChildren(store.handle.db, 1_000)).map((c) => c.id)).not.toContain((await latestChild(store.handle.db, parent, 'sub'))!.id);
  });

  it("a child names its tree's top-level execution (a grandchild its grandparent's id), and its live descendants are counted over the partial index", async () => {
    // Each level in a transaction of its own, as children start: after their parent committed.
    const root = row();
    const child = row({ parentExecutionId: root.id, parentInstanceKey: 'a', parentAttempt: 1, depth: 1 });
    const grandchild = row({ parentExecutionId: child.id, parentInstanceKey: 'b', parentAttempt: 1, depth: 2 });
    const settled = row({ parentExecutionId: child.id, parentInstanceKey: 'c', parentAttempt: 1, depth: 2, status: 'completed', finishedAt: new Date() });
    for (const execution of [root, child, grandchild, settled])
      await runWrites(store.handle.pool, { newExecutions: [execution], stepRuns: [], executions: [], logs: [] });
    const roots = await store.handle.pool.query<{ id: string; root_execution_id: string | null }>(
      'select id, root_execution_id from workflow_executions where id = any($1::uuid[])',
      [[root.id, child.id, grandchild.id, settled.id]],
    );
    expect(Object.fromEntries(roots.rows.map((r) => [r.id, r.root_execution_id]))).toEqual({
      [root.id]: null,
      [child.id]: root.id,
      [grandchild.id]: root.id,
      [settled.id]: root.id,
    });
    // The settled one is not live; the root itself is not a descendant. Asked from any level, the tree is the root's.
    const unborn = randomUUID();
    const run = { instanceKey: 'a', attempt: 1 };
    expect(await liveDescendants(store.handle.db, root.id, run, unborn)).toEqual({ rootExecutionId: root.id, live: 2, started: false, waiting: false });
    expect(await liveDescendants(store.handle.db, grandchild.id, run, unborn)).toMatchObject({ rootExecutionId: root.id, live: 2 });
    expect((await liveDescendants(store.handle.db, child.id, run, grandchild.id))?.started).toBe(true);
    expect(await liveDescendants(store.handle.db, randomUUID(), run, unborn)).toBeUndefined();
    await store.handle.pool.query("update workflow_executions set status = 'failed' where id = $1", [grandchild.id]);
    expect((await liveDescendants(store.handle.db, root.id, run, unborn))?.live).toBe(1);
    // Whether the parent's step run still waits (recorded running) for the child about to start.
    const { parent } = await family();
    expect((await liveDescendants(store.handle.db, parent, { instanceKey: 'sub', attempt: 1 }, unborn))?.waiting).toBe(true);
    expect((await liveDescendants(store.handle.db, parent, { instanceKey: 'sub', attempt: 2 }, unborn))?.waiting).toBe(false);
    await store.handle.pool.query("update step_runs set status = 'cancelled' where execution_id = $1", [parent]);
    expect((await liveDescendants(store.handle.db, parent, { instanceKey: 'sub', attempt: 1 }, unborn))?.waiting).toBe(false);
    // The count reads only the partial index's live rows.
    const client = await store.handle.pool.connect();
    let plan: { rows: { 'QUERY PLAN': string }[] };
    try {
      // A handful of rows: without this the planner would rather read the table.
      await client.query('set enable_seqscan = off');
      plan = await client.query<{ 'QUERY PLAN': string }>(
        `explain select count(*) from workflow_executions d where d.root_execution_id = $1::uuid and d.status in ('pending', 'running', 'paused')`,
        [root.id],
      );
      await client.query('reset enable_seqscan');
    } finally {
      client.release();
    }
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('workflow_executions_root_live_idx');
  });
});
