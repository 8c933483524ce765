import type { ExecutionState } from '@agentic-flow/engine';
import type { ExecutionUpdate, ExecutionVersion } from '@agentic-flow/store';
import type { ExecutionStateCache } from './state-cache.js';

/** An execution as a transition holds it: its state, the row version it was read at, whether it changed. */
export interface TransitionTarget {
  id: string;
  state: ExecutionState;
  version: number;
  changed: boolean;
  /** `state` serialized, when it was (to check its size): written as it is. */
  stateJson?: string;
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
    ...(target.stateJson === undefined ? {} : { stateJson: target.stateJson }),
    error: state.error,
    startedAt: state.startedAt === null ? null : new Date(state.startedAt),
    finishedAt: state.finishedAt === null ? null : new Date(state.finishedAt),
    updatedAt: new Date(now),
  };
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
