/**
 * Where an execution's nodes are stored. A large execution's are rows of `execution_nodes`
 * (migration 0018): a transition writes the nodes it changed, and `workflow_executions.state` the
 * rest of the state (its head), so a step of a 100,000-node execution writes what a step of a
 * ten-node one does. A small execution's stay inline in its state: rewriting a few kilobytes in
 * place costs PostgreSQL less than inserting one index entry per new node, and most executions
 * are small. Readers accept both (`af_execution_state`); writers pick by {@link storesNodesInline}.
 */

/**
 * Up to this many nodes, the nodes stay inline. Past it they move to rows, all at once, and stay
 * there unless a restore brings the execution back under it.
 */
export const INLINE_NODE_LIMIT = 32;

/** The nodes a state holds, by instance key, as far as this module needs to know them. */
export interface StateWithNodes {
  nodes?: Record<string, unknown>;
  /** How many nodes there are, when the state keeps count (the engine's does). */
  nodeCount?: number;
}

/** Whether `state` is written with its nodes inline (small) or as node rows (large). */
export function storesNodesInline(state: unknown): boolean {
  if (state === null || typeof state !== 'object') return true;
  const { nodes, nodeCount } = state as StateWithNodes;
  if (nodes === undefined) return true;
  return (typeof nodeCount === 'number' ? nodeCount : Object.keys(nodes).length) <= INLINE_NODE_LIMIT;
}

/**
 * Which nodes a transition changed: instance keys (a key now absent was removed), or `all` — the
 * nodes were replaced wholesale (a restore), the state is new, or what changed is not known.
 */
export type ChangedNodes = ReadonlySet<string> | 'all';

/** SQL text of a jsonb value: a dollar-quoted literal or a `$n::jsonb` parameter (as `statements.ts` takes them). */
type Payload = string;

/** One execution's node writes, as the statements below take them. */
export interface NodeWrites {
  /** Nodes to insert or overwrite. */
  set: { executionId: string; key: string; node: unknown }[];
  /** Keys to delete. */
  removed: { executionId: string; key: string }[];
  /** Executions whose nodes are all in `set`: every other row of theirs is deleted. */
  replaced: string[];
}

export function emptyNodeWrites(): NodeWrites {
  return { set: [], removed: [], replaced: [] };
}

/**
 * Adds one execution's node writes to `writes`. `inlineBefore` is how the row as read held its
 * nodes (undefined: not known). Inline now: its state carries them, and any rows it had go. Rows
 * now: the changed ones, or all of them when they were inline before.
 */
export function addNodeWrites(writes: NodeWrites, executionId: string, state: StateWithNodes, changed: ChangedNodes, inlineBefore?: boolean): void {
  if (storesNodesInline(state)) {
    if (inlineBefore !== true) writes.replaced.push(executionId);
    return;
  }
  const nodes = state.nodes ?? {};
  if (changed === 'all' || inlineBefore === true) {
    writes.replaced.push(executionId);
    for (const key of Object.keys(nodes)) writes.set.push({ executionId, key, node: nodes[key] });
    return;
  }
  for (const key of changed) {
    const node = Object.hasOwn(nodes, key) ? nodes[key] : undefined;
    if (node === undefined) writes.removed.push({ executionId, key });
    else writes.set.push({ executionId, key, node });
  }
}

/** The state as `workflow_executions.state` holds it: whole when small, else everything but its nodes. */
export function storedState(state: unknown): unknown {
  if (state === null || typeof state !== 'object' || !('nodes' in state) || storesNodesInline(state)) return state;
  const { nodes: _nodes, ...head } = state as StateWithNodes;
  return head;
}

export function upsertNodesSql(payload: Payload): string {
  return `insert into execution_nodes (execution_id, key, node)
          select v."executionId", v.key, v.node
            from jsonb_to_recordset(${payload}) as v("executionId" uuid, key text, node jsonb)
          on conflict (execution_id, key) do update set node = excluded.node`;
}

export function deleteNodesSql(payload: Payload): string {
  return `delete from execution_nodes n
           using jsonb_to_recordset(${payload}) as d("executionId" uuid, key text)
           where n.execution_id = d."executionId" and n.key = d.key`;
}

/**
 * Deletes the nodes of the `replaced` executions that are not among the rows `setPayload` writes:
 * disjoint from those, so it may run in the same statement as their upsert.
 */
export function deleteOtherNodesSql(replacedPayload: Payload, setPayload: Payload): string {
  return `delete from execution_nodes n
           where n.execution_id in (select value::uuid from jsonb_array_elements_text(${replacedPayload}))
             and (n.execution_id, n.key) not in (select v."executionId", v.key from jsonb_to_recordset(${setPayload}) as v("executionId" uuid, key text))`;
}

/**
 * The nodes of `ids`, one row per execution that has any. Read by a statement of its own after the
 * statement that locked the executions: under READ COMMITTED a `FOR UPDATE` that waited for another
 * transaction returns that transaction's row, but a subquery of the same statement still reads the
 * snapshot taken before the wait — the other transaction's node writes would be missed, and its
 * changes lost by the write that follows. A later statement takes a snapshot after the lock.
 */
export function nodesOfSql(idsPayload: Payload, heldPayload?: Payload): string {
  return `select execution_id as id, jsonb_object_agg(key, node) as nodes
            from execution_nodes
           where execution_id in (select value::uuid from jsonb_array_elements_text(${idsPayload}))${
             heldPayload === undefined
               ? ''
               : `
             and execution_id not in (select e.id from workflow_executions e
                                        join jsonb_to_recordset(${heldPayload}) as h(id uuid, version int) on e.id = h.id and e.version = h.version)`
           }
           group by execution_id`;
}

/**
 * A state the caller already holds (a coordinator's cache), at the row version it is: a locked row
 * still at that version is that state, so its nodes need not be read — a signal or a lifecycle
 * change of a 100,000-node execution then reads none of them.
 */
export interface HeldState {
  version: number;
  state: unknown;
}

/** Whether the locked row is the state held for it. */
export function isHeld(row: { id: string; version: number }, held: ReadonlyMap<string, HeldState> | undefined): boolean {
  return held?.get(row.id)?.version === row.version;
}

/**
 * Completes locked rows' states: a held one becomes the state held, a row holding its nodes inline
 * keeps them, the others get the nodes read by {@link nodesOfSql}.
 */
export function withNodes<R extends { id: string; version: number; state: unknown; nodesInline: boolean }>(
  rows: R[],
  found: { id: string; nodes: Record<string, unknown> }[],
  held?: ReadonlyMap<string, HeldState>,
): R[] {
  const byId = new Map(found.map((f) => [f.id, f.nodes]));
  for (const row of rows) {
    if (isHeld(row, held)) row.state = held!.get(row.id)!.state;
    else if (!row.nodesInline) row.state = { ...(row.state as Record<string, unknown>), nodes: byId.get(row.id) ?? {} };
  }
  return rows;
}
