import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  findExecution,
  findExecutionOverview,
  findSnapshot,
  listSnapshots,
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

const update = (id: string, version: number, nodes: Nodes, changedNodes?: ReadonlySet<string> | 'all'): ExecutionUpdate => ({
  id,
  version,
  status: 'running',
  state: { v: 1, status: 'running', variables: { n: version + 2 }, nodes },
  ...(changedNodes === undefined ? {} : { changedNodes }),
  error: null,
  startedAt: null,
  finishedAt: null,
  updatedAt: new Date(),
});

const rowsOf = async (id: string) =>
  (await store.handle.pool.query<{ key: string; node: unknown }>('select key, node from execution_nodes where execution_id = $1 order by key', [id])).rows;
const storedState = async (id: string) =>
  (await store.handle.pool.query<{ state: Record<string, unknown> }>('select state from workflow_executions where id = $1', [id])).rows[0]!.state;

describe('execution nodes as rows', () => {
  it('stores a new execution as its head and one row per node, and reads it back whole', async () => {
    const e = execution({ a: node('a'), b: node('b') });
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    expect(await storedState(e.id)).toEqual({ v: 1, status: 'running', variables: { n: 1 } });
    expect((await rowsOf(e.id)).map((r) => r.key)).toEqual(['a', 'b']);
    expect((await findExecution(store.handle.db, e.id, 'default'))!.state).toEqual(e.state);
  });

  it('writes only the nodes a transition changed, and deletes the ones it removed', async () => {
    const e = execution({ a: node('a'), b: node('b'), c: node('c') });
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    // `c` is absent from the new state but not named as changed: a delta leaves its row alone.
    const nodes = { a: node('a', 'succeeded', 'A'), d: node('d') };
    const outcome = await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [update(e.id, 0, nodes, new Set(['a', 'b', 'd']))],
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
    const e = execution({ a: node('a') });
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    const outcome = await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [update(e.id, 5, { a: node('a', 'succeeded', 1), z: node('z') }, new Set(['a', 'z']))],
      stepRuns: [],
      logs: [],
      errors: [],
    });
    expect(outcome).toBeNull();
    expect(await rowsOf(e.id)).toEqual([{ key: 'a', node: node('a') }]);
  });

  it('replaces every node when all changed (a restore), in either transition path', async () => {
    const e = execution({ a: node('a'), b: node('b') });
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [update(e.id, 0, { b: node('b', 'failed'), x: node('x') }, 'all')],
      stepRuns: [],
      logs: [],
      errors: [],
    });
    expect((await rowsOf(e.id)).map((r) => r.key)).toEqual(['b', 'x']);
    await runTransition(store.handle.pool, { lock: [e.id], complete: [] }, async ({ executions }) => {
      expect(executions[0]).toMatchObject({ nodesInline: false, state: { nodes: { b: node('b', 'failed'), x: node('x') } } });
      return { writes: { stepRuns: [], executions: [update(e.id, 1, { y: node('y') })], logs: [] }, value: undefined };
    });
    expect(await rowsOf(e.id)).toEqual([{ key: 'y', node: node('y') }]);
  });

  it('a transition that waited for another one’s lock reads the nodes that one wrote', async () => {
    const e = execution({ fan: node('fan', 'running', 0) });
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // The first transition holds the lock while it counts 0 → 1; the second waits for it, then counts on.
    const first = runTransition(store.handle.pool, { lock: [e.id], complete: [] }, async () => {
      locked();
      await held;
      return { writes: { stepRuns: [], executions: [update(e.id, 0, { fan: node('fan', 'running', 1) }, new Set(['fan']))], logs: [] }, value: undefined };
    });
    await lockTaken;
    const second = runTransition(store.handle.pool, { lock: [e.id], complete: [] }, async ({ executions }) => {
      const seen = (executions[0]!.state as { nodes: Nodes }).nodes['fan']!.output as number;
      return {
        writes: { stepRuns: [], executions: [update(e.id, executions[0]!.version, { fan: node('fan', 'running', seen + 1) }, new Set(['fan']))], logs: [] },
        value: seen,
      };
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await first;
    expect((await second).value).toBe(1);
    expect(await rowsOf(e.id)).toEqual([{ key: 'fan', node: node('fan', 'running', 2) }]);
  });

  it('reads a state that still holds its nodes as it is, and moves them to rows on its first write', async () => {
    const e = execution({});
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    const inline = { v: 1, status: 'running', variables: {}, nodes: { old: node('old', 'succeeded', 7) } };
    await store.handle.pool.query('update workflow_executions set state = $2 where id = $1', [e.id, JSON.stringify(inline)]);
    await runTransition(store.handle.pool, { lock: [e.id], complete: [] }, async ({ executions }) => {
      expect(executions[0]).toMatchObject({ nodesInline: true, state: inline });
      // The coordinator writes all nodes of such a row (`changedSinceRead`): here, by omitting `changedNodes`.
      return { writes: { stepRuns: [], executions: [update(e.id, 0, { old: node('old', 'succeeded', 7), new: node('new') })], logs: [] }, value: undefined };
    });
    expect(await storedState(e.id)).not.toHaveProperty('nodes');
    expect((await rowsOf(e.id)).map((r) => r.key)).toEqual(['new', 'old']);
  });

  it('snapshots the whole state, nodes included, and lists escalated nodes in the overview', async () => {
    const escalated = { ...node('b', 'escalated'), error: { code: 'HTTP_ERROR', message: 'boom' } };
    const e = execution({ a: node('a', 'succeeded', 'A'), b: escalated });
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    await snapshotExecution(store.handle.db, e.id, 'manual', 'default');
    const [summary] = await listSnapshots(store.handle.db, e.id);
    expect((await findSnapshot(store.handle.db, e.id, summary!.id))!.state).toEqual(e.state);
    const overview = await findExecutionOverview(store.handle.db, e.id, 'default');
    expect(overview!.escalations).toEqual([{ stepId: 'b', instanceKey: 'b', attempt: 1, error: { code: 'HTTP_ERROR', message: 'boom' } }]);
    expect(overview!.variables).toEqual({ n: 1 });
  });

  it('deletes an execution’s nodes with it', async () => {
    const e = execution({ a: node('a') });
    await runWrites(store.handle.pool, { newExecutions: [e], stepRuns: [], executions: [], logs: [] });
    await store.handle.pool.query('delete from workflow_executions where id = $1', [e.id]);
    expect(await rowsOf(e.id)).toEqual([]);
  });
});
