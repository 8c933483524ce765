import ivm from 'isolated-vm';
import type { Realm } from './realm.js';

/** Options of {@link PooledIsolate}. */
export interface PooledIsolateOptions {
  memoryLimitMb: number;
  /** How many compiled user functions its realm keeps (least recently used are dropped). */
  maxCachedScripts: number;
}

/**
 * One isolate and its realm. The owner of the pool (a script sandbox or an expression evaluator)
 * creates the realm on the isolate's first run and keeps it here: it lives as long as the isolate,
 * and is disposed with it when a run times out, runs out of memory or is cancelled.
 */
export class PooledIsolate {
  readonly isolate: ivm.Isolate;
  readonly memoryLimitMb: number;
  readonly maxCachedScripts: number;
  /** Runs started on this isolate; the pool retires it after a configured number. */
  runs = 0;
  /** The long-lived, locked-down context the owner runs code in; `undefined` until its first run. */
  private realm: Realm | undefined;

  constructor(options: PooledIsolateOptions) {
    this.memoryLimitMb = options.memoryLimitMb;
    this.maxCachedScripts = options.maxCachedScripts;
    this.isolate = new ivm.Isolate({ memoryLimit: options.memoryLimitMb });
  }

  get disposed(): boolean {
    return this.isolate.isDisposed;
  }

  /** The isolate's realm, opened by `open` on its first run and kept for the isolate's life. */
  realmOr(open: () => Realm): Realm {
    return (this.realm ??= open());
  }

  /** A fresh context, separate from the realm, for callers that want one of their own. */
  async context(): Promise<ivm.Context> {
    return this.isolate.createContext();
  }

  dispose(): void {
    this.realm = undefined;
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}
