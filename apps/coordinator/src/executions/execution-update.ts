import type { ExecutionState } from '@agentic-flow/engine';
import { storesNodesInline, type ChangedNodes, type ExecutionUpdate, type ExecutionVersion } from '@agentic-flow/store';
import type { ExecutionStateCache } from './state-cache.js';

/** An execution as a transition holds it: its state, the row version it was read at, whether it changed. */
export interface TransitionTarget {
  id: string;
  state: ExecutionState;
  version: number;
  changed: boolean;
  /**
   * The nodes changed since the state was read (a key now absent was removed), or `all`: the row's
   * node rows to write. Omitted: all.
   */
  changedNodes?: Set<string> | 'all';
  /** The row as read held its nodes inline (a small execution); omitted: not known. */
  nodesInline?: boolean;
  /** At least the state's size in UTF-8 JSON bytes, if known: what the cache remembers with it. */
  bytes?: number;
}

/** The row update writing a target's state over the version it was read at. */
export function executionUpdate(target: TransitionTarget, now: number): ExecutionUpdate {
  const { state } = target;
  return {
    id: target.id,
    version: target.version,
    status: state.status,
    state,
    ...(target.changedNodes === undefined ? {} : { changedNodes: target.changedNodes }),
    ...(target.nodesInline === undefined ? {} : { nodesInline: target.nodesInline }),
    error: state.error,
    startedAt: state.startedAt === null ? null : new Date(state.startedAt),
    finishedAt: state.finishedAt === null ? null : new Date(state.finishedAt),
    updatedAt: new Date(now),
  };
}

/** Adds a decision's changed nodes to what `target` will write. */
export function noteChangedNodes(target: TransitionTarget, changed: ChangedNodes): void {
  if (target.changedNodes === 'all') return;
  if (changed === 'all' || target.changedNodes === undefined) {
    target.changedNodes = changed === 'all' ? 'all' : new Set(changed);
    return;
  }
  for (const key of changed) target.changedNodes.add(key);
}

/** What a target read from a row (locked, or cached as written) knows of its nodes: none changed yet, and where they are. */
export function nodesAsRead(row: { nodesInline: boolean }): { changedNodes: Set<string>; nodesInline: boolean } {
  return { changedNodes: new Set(), nodesInline: row.nodesInline };
}

/**
 * The states just written become the cache's, at the versions PostgreSQL returned, with where
 * their nodes now are (a target not written keeps the layout it was read with).
 */
export function rememberWritten(cache: ExecutionStateCache, targets: Iterable<TransitionTarget>, versions: readonly ExecutionVersion[]): void {
  const written = new Map(versions.map((v) => [v.id, v.version]));
  for (const target of targets) {
    const version = written.get(target.id);
    cache.set(target.id, {
      state: target.state,
      version: version ?? target.version,
      nodesInline: version === undefined && target.nodesInline !== undefined ? target.nodesInline : storesNodesInline(target.state),
      ...(target.bytes === undefined ? {} : { bytes: target.bytes }),
    });
  }
}
