import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  findExecution,
  findExecutionNodes,
  findExecutionOverview,
  findSnapshot,
  INLINE_NODE_LIMIT,
  listSnapshots,
  lockExecutionsSql,
  runOptimisticTransition,
  runTransition,
  runWrites,
  snapshotExecution,
  type ExecutionUpdate,
  type NewExecution,
} from '@agentic-flow/store';
import { migratedDatabase } from './migrated-database.js';

const store = migratedDatabase();

type Nodes = Record<string, { stepId: string; status: string; attempt: number; output?: unknown }>;
const node = (stepId: string, status = 'queued', output?: unknown) => ({ stepId, status, attempt: 1, ...(output === undefined ? {} : { output }) });

function execution(nodes: Nodes): NewExecution {
  return {
    id: randomUUID(),
    namespace: 'default',
    workflowId: 'wf',
    workflowVersion: '1',
    status: 'running',
    state: { v: 1, status: 'running', variables: { n: 1 }, nodes },
    variables: {},
    error: null,
    createdAt: new Date(),
    startedAt: new Date(),
    finishedAt: null,
  };
}

const update = (id: string, version: number, nodes: Nodes, changedNodes?: ReadonlySet<string> | 'all', nodesInline?: boolean): ExecutionUpdate => ({
  id,
  version,
  status: 'running',
  state: { v: 1, status: 'running', variables: { n: version + 2 }, nodes },
  ...(changedNodes === undefined ? {} : { changedNodes }),
  ...(nodesInline === undefined ? {} : { nodesInline }),
  error: null,
  startedAt: null,
  finishedAt: null,
  updatedAt: new Date(),
});

/** Enough nodes to make an execution large (its nodes stored as rows), none of which a test looks at. */
const PADDING: Nodes = Object.fromEntries(Array.from({ length: INLINE_NODE_LIMIT }, (_, i) => [`pad${String(i).padStart(3, '0')}`, node('pad')]));
const large = (nodes: Nodes): Nodes => ({ ...PADDING, ...nodes });

/** The execution's node rows, padding left out. */
const rowsOf = async (id: string) =>
  (
    await store.handle.pool.query<{ key: string; node: unknown }>(
      "select key, node from execution_nodes where execution_id = $1 and key not like 'pad%' order by key",
      [id],
    )
  ).rows;
const rowCount = async (id: string) =>
  Number((await store.handle.pool.query<{ n: string }>('select count(*) as n from execution_nodes where execution_id = $1', [id])).rows[0]!.n);
const storedState = async (id: string) =>
  (await store.handle.pool.query<{ state: Record<string, unknown> }>('select state from workflow_executions where id = $1', [id])).rows[0]!.state;

describe('execution nodes', () => {
  it('stores a large new execution as its head and one row per node, and reads it back whole', async () => {
    const e = execution(large({ a: node('a'), b: node('b') }));
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    expect(await storedState(e.id)).toEqual({ v: 1, status: 'running', variables: { n: 1 } });
    expect((await rowsOf(e.id)).map((r) => r.key)).toEqual(['a', 'b']);
    expect(await rowCount(e.id)).toBe(INLINE_NODE_LIMIT + 2);
    expect((await findExecution(store.handle.db, e.id, 'default'))!.state).toEqual(e.state);
  });

  it('keeps a small execution whole in its row, with no node rows, while it stays small', async () => {
    const e = execution({ a: node('a'), b: node('b') });
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    expect(await storedState(e.id)).toEqual(e.state);
    const nodes = { a: node('a', 'succeeded', 'A'), b: node('b'), c: node('c') };
    const outcome = await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [update(e.id, 0, nodes, new Set(['a', 'c']), true)],
      stepRuns: [],
      logs: [],
      errors: [],
    });
    expect(outcome?.versions).toEqual([{ id: e.id, version: 1 }]);
    expect(await storedState(e.id)).toEqual({ v: 1, status: 'running', variables: { n: 2 }, nodes });
    expect(await rowCount(e.id)).toBe(0);
    await runTransition(store.handle.pool, { lock: [e.id], complete: [] }, async ({ executions }) => {
      expect(executions[0]).toMatchObject({ nodesInline: true, state: { nodes } });
      return { writes: { stepRuns: [], executions: [], logs: [] }, value: undefined };
    });
  });

  it('moves every node to rows, at once, when a transition takes the execution past the limit', async () => {
    const small = Object.fromEntries(Object.entries(PADDING).slice(1));
    const e = execution(small);
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    expect(await rowCount(e.id)).toBe(0);
    // The transition changed two nodes only; the row held them all inline, so all of them are written.
    const grown = { ...small, x: node('x'), y: node('y') };
    await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [update(e.id, 0, grown, new Set(['x', 'y']), true)],
      stepRuns: [],
      logs: [],
      errors: [],
    });
    expect(await storedState(e.id)).not.toHaveProperty('nodes');
    expect(await rowCount(e.id)).toBe(INLINE_NODE_LIMIT + 1);
    expect((await findExecution(store.handle.db, e.id, 'default'))!.state).toMatchObject({ nodes: grown });
  });

  it('writes only the nodes a transition changed, and deletes the ones it removed', async () => {
    const e = execution(large({ a: node('a'), b: node('b'), c: node('c') }));
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    // `c` is absent from the new state but not named as changed: a delta leaves its row alone.
    const nodes = large({ a: node('a', 'succeeded', 'A'), d: node('d') });
    const outcome = await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [update(e.id, 0, nodes, new Set(['a', 'b', 'd']), false)],
      stepRuns: [],
      logs: [],
      errors: [],
    });
    expect(outcome?.versions).toEqual([{ id: e.id, version: 1 }]);
    expect(await rowsOf(e.id)).toEqual([
      { key: 'a', node: node('a', 'succeeded', 'A') },
      { key: 'c', node: node('c') },
      { key: 'd', node: node('d') },
    ]);
    expect(((await findExecution(store.handle.db, e.id, 'default'))!.state as { variables: unknown }).variables).toEqual({ n: 2 });
  });

  it('writes nothing of a stale transition, nodes included', async () => {
    const e = execution(large({ a: node('a') }));
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    const outcome = await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [update(e.id, 5, large({ a: node('a', 'succeeded', 1), z: node('z') }), new Set(['a', 'z']), false)],
      stepRuns: [],
      logs: [],
      errors: [],
    });
    expect(outcome).toBeNull();
    expect(await rowsOf(e.id)).toEqual([{ key: 'a', node: node('a') }]);
  });

  it('replaces every node when all changed (a restore), in either path, and moves them inline when it shrinks', async () => {
    const e = execution(large({ a: node('a'), b: node('b') }));
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [update(e.id, 0, large({ b: node('b', 'failed'), x: node('x') }), 'all', false)],
      stepRuns: [],
      logs: [],
      errors: [],
    });
    expect((await rowsOf(e.id)).map((r) => r.key)).toEqual(['b', 'x']);
    await runTransition(store.handle.pool, { lock: [e.id], complete: [] }, async ({ executions }) => {
      expect(executions[0]).toMatchObject({ nodesInline: false, state: { nodes: { b: node('b', 'failed'), x: node('x') } } });
      return { writes: { stepRuns: [], executions: [update(e.id, 1, large({ y: node('y') }))], logs: [] }, value: undefined };
    });
    expect(await rowsOf(e.id)).toEqual([{ key: 'y', node: node('y') }]);
    // Restored to a small state: whole in the row again, no rows left behind for a reader to mix in.
    await runTransition(store.handle.pool, { lock: [e.id], complete: [] }, async ({ executions }) => {
      expect(executions[0]!.nodesInline).toBe(false);
      return { writes: { stepRuns: [], executions: [update(e.id, 2, { z: node('z') }, 'all', false)], logs: [] }, value: undefined };
    });
    expect(await rowCount(e.id)).toBe(0);
    expect(await storedState(e.id)).toMatchObject({ nodes: { z: node('z') } });
  });

  it('a transition that waited for another one’s lock reads the nodes that one wrote', async () => {
    const e = execution(large({ fan: node('fan', 'running', 0) }));
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // The first transition holds the lock while it counts 0 → 1; the second waits for it, then counts on.
    const first = runTransition(store.handle.pool, { lock: [e.id], complete: [] }, async () => {
      locked();
      await held;
      return {
        writes: { stepRuns: [], executions: [update(e.id, 0, large({ fan: node('fan', 'running', 1) }), new Set(['fan']), false)], logs: [] },
        value: undefined,
      };
    });
    await lockTaken;
    const second = runTransition(store.handle.pool, { lock: [e.id], complete: [] }, async ({ executions }) => {
      const seen = (executions[0]!.state as { nodes: Nodes }).nodes['fan']!.output as number;
      return {
        writes: {
          stepRuns: [],
          executions: [update(e.id, executions[0]!.version, large({ fan: node('fan', 'running', seen + 1) }), new Set(['fan']), false)],
          logs: [],
        },
        value: seen,
      };
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await first;
    expect((await second).value).toBe(1);
    expect(await rowsOf(e.id)).toEqual([{ key: 'fan', node: node('fan', 'running', 2) }]);
  });

  it('moves a small execution whose nodes are rows (written before small ones stayed whole) back inline on its next write', async () => {
    const e = execution(large({ a: node('a') }));
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    await store.handle.pool.query("delete from execution_nodes where execution_id = $1 and key <> 'pad000'", [e.id]);
    await runTransition(store.handle.pool, { lock: [e.id], complete: [] }, async ({ executions }) => {
      expect(executions[0]).toMatchObject({ nodesInline: false, state: { nodes: { pad000: node('pad') } } });
      return {
        writes: { stepRuns: [], executions: [update(e.id, 0, { pad000: node('pad'), b: node('b') }, new Set(['b']), false)], logs: [] },
        value: undefined,
      };
    });
    expect(await rowCount(e.id)).toBe(0);
    expect(await storedState(e.id)).toMatchObject({ nodes: { pad000: node('pad'), b: node('b') } });
  });

  it.each([
    ['small', (nodes: Nodes) => nodes],
    ['large', large],
  ])('snapshots the whole state of a %s execution, nodes included, and lists its escalated nodes in the overview', async (_size, sized) => {
    const escalated = { ...node('b', 'escalated'), error: { code: 'HTTP_ERROR', message: 'boom' } };
    const e = execution(sized({ a: node('a', 'succeeded', 'A'), b: escalated }));
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    await snapshotExecution(store.handle.db, e.id, 'manual', 'default');
    const [summary] = await listSnapshots(store.handle.db, e.id);
    expect((await findSnapshot(store.handle.db, e.id, summary!.id))!.state).toEqual(e.state);
    const overview = await findExecutionOverview(store.handle.db, e.id, 'default');
    expect(overview!.escalations).toEqual([{ stepId: 'b', instanceKey: 'b', attempt: 1, error: { code: 'HTTP_ERROR', message: 'boom' } }]);
    expect(overview!.variables).toEqual({ n: 1 });
  });

  it.each([
    ['by ids', (id: string) => ({ lock: [id] })],
    ['by a lock statement', (id: string) => ({ lock: [] as string[], lockSql: lockExecutionsSql([id]) })],
  ])('gives a row locked %s at the version the caller holds the held state, without reading its nodes; a row past it is read', async (_how, locking) => {
    const e = execution(large({ a: node('a') }));
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    // What the caller holds differs from the rows only so the test can tell which one it was given.
    const held = { version: 0, state: { v: 1, status: 'running', variables: { held: true }, nodes: large({ a: node('a'), h: node('h') }) } };
    const seen = await runTransition(store.handle.pool, { ...locking(e.id), complete: [], held: new Map([[e.id, held]]) }, async ({ executions }) => ({
      writes: { stepRuns: [], executions: [], logs: [] },
      value: executions[0]!.state,
    }));
    expect(seen.value).toBe(held.state);
    await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [update(e.id, 0, large({ a: node('a', 'succeeded', 1) }), new Set(['a']), false)],
      stepRuns: [],
      logs: [],
      errors: [],
    });
    // The row moved on to version 1: the held state (version 0) is stale, the rows are read.
    const fresh = await runTransition(store.handle.pool, { ...locking(e.id), complete: [], held: new Map([[e.id, held]]) }, async ({ executions }) => ({
      writes: { stepRuns: [], executions: [], logs: [] },
      value: executions[0]!.state as { nodes: Nodes },
    }));
    expect(fresh.value.nodes['a']).toEqual(node('a', 'succeeded', 1));
    expect(fresh.value.nodes['h']).toBeUndefined();
  });

  it.each([
    ['small', (nodes: Nodes) => nodes],
    ['large', large],
  ])('reads some nodes of a %s execution by key, leaving out keys it does not have', async (_size, sized) => {
    const e = execution(sized({ a: node('a', 'succeeded', 'A'), b: node('b') }));
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    expect(await findExecutionNodes(store.handle.db, e.id, ['a', 'nope', 'b'])).toEqual({ a: node('a', 'succeeded', 'A'), b: node('b') });
    expect(await findExecutionNodes(store.handle.db, e.id, ['nope'])).toEqual({});
    expect(await findExecutionNodes(store.handle.db, e.id, [])).toEqual({});
    expect(await findExecutionNodes(store.handle.db, randomUUID(), ['a'])).toEqual({});
  });

  it('deletes an execution’s nodes with it', async () => {
    const e = execution(large({ a: node('a') }));
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    await store.handle.pool.query('delete from workflow_executions where id = $1', [e.id]);
    expect(await rowCount(e.id)).toBe(0);
  });
});
