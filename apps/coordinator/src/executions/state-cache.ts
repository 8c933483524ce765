import type { ExecutionState } from '@agentic-flow/engine';

export interface CachedExecution {
  state: ExecutionState;
  /** The row's version this state is: a transition computed from it must find the row still there. */
  version: number;
  /** The row holds its nodes inline (a small execution) rather than as node rows. */
  nodesInline: boolean;
  /** At least the state's size in UTF-8 JSON bytes (exact when it was last measured), if known. */
  bytes?: number;
}

/**
 * The states of executions this coordinator moved last, so the next result can be applied in one
 * statement without reading and locking the row first (the write checks the version instead).
 * Bounded (least recently used out); a miss or a stale entry only costs the locking path.
 */
export class ExecutionStateCache {
  private readonly entries = new Map<string, CachedExecution>();

  constructor(private readonly capacity: number) {}

  get(id: string): CachedExecution | undefined {
    const entry = this.entries.get(id);
    if (entry) {
      this.entries.delete(id);
      this.entries.set(id, entry);
    }
    return entry;
  }

  /**
   * Removes and returns an entry: its state is then the caller's alone, to change in place
   * (`openDecision`). The caller gives it back with `set` once written, or drops it.
   */
  take(id: string): CachedExecution | undefined {
    const entry = this.entries.get(id);
    this.entries.delete(id);
    return entry;
  }

  set(id: string, entry: CachedExecution): void {
    this.entries.delete(id);
    // A settled execution gets no more transitions worth a fast path: free the memory.
    if (entry.state.status === 'completed' || entry.state.status === 'cancelled' || this.capacity === 0) return;
    this.entries.set(id, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
