import type { ExecutionState } from '@agentic-flow/engine';
import type { ChangedNodes, ExecutionUpdate, ExecutionVersion } from '@agentic-flow/store';
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

/** The nodes a target read from a locked row starts with: none changed, unless the row still holds its nodes inline. */
export function changedSinceRead(row: { nodesInline: boolean }): Set<string> | 'all' {
  return row.nodesInline ? 'all' : new Set();
}

/** The states just written become the cache's, at the versions PostgreSQL returned. */
export function rememberWritten(cache: ExecutionStateCache, targets: Iterable<TransitionTarget>, versions: readonly ExecutionVersion[]): void {
  const written = new Map(versions.map((v) => [v.id, v.version]));
  for (const target of targets) {
    cache.set(target.id, {
      state: target.state,
      version: written.get(target.id) ?? target.version,
      ...(target.bytes === undefined ? {} : { bytes: target.bytes }),
    });
  }
}
