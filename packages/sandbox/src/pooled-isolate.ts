import ivm from 'isolated-vm';

/** Options of {@link PooledIsolate}. */
export interface PooledIsolateOptions {
  memoryLimitMb: number;
  /** How many compiled user scripts to keep per isolate (least recently used are dropped). */
  maxCachedScripts: number;
}

/**
 * One isolate with what it has compiled. Compiled scripts are bound to the isolate, not to a context,
 * so the same `Script` runs in every fresh context: bootstrap and module sources are compiled once per
 * isolate ("pinned"), user scripts are kept in a small LRU because a loop runs the same script often.
 */
export class PooledIsolate {
  readonly isolate: ivm.Isolate;
  readonly memoryLimitMb: number;
  /** Runs started on this isolate; the pool retires it after a configured number. */
  runs = 0;
  private readonly pinned = new Map<string, ivm.Script>();
  private readonly recent = new Map<string, ivm.Script>();
  private readonly maxCachedScripts: number;
  /** A context created ahead of time, while the isolate sat idle, to take its cost off the next run. */
  private spare: Promise<ivm.Context> | undefined;

  constructor(options: PooledIsolateOptions) {
    this.memoryLimitMb = options.memoryLimitMb;
    this.maxCachedScripts = options.maxCachedScripts;
    this.isolate = new ivm.Isolate({ memoryLimit: options.memoryLimitMb });
  }

  get disposed(): boolean {
    return this.isolate.isDisposed;
  }

  /** A fresh context: nothing a previous run defined is visible in it. */
  async context(): Promise<ivm.Context> {
    const spare = this.spare;
    this.spare = undefined;
    return spare ?? this.isolate.createContext();
  }

  /** Starts creating the next run's context in the background (on isolated-vm's thread). */
  prewarm(): void {
    if (this.spare !== undefined || this.disposed) return;
    const spare = this.isolate.createContext();
    // A dispose before the next run rejects this promise; nobody is waiting for it then.
    spare.catch(() => undefined);
    this.spare = spare;
  }

  /**
   * The compiled `code`, cached under `key`. `pinned` entries (bootstrap, modules) stay for the
   * isolate's life; others share an LRU. A compile error is thrown and not cached.
   */
  async script(key: string, code: string, options: ivm.ScriptInfo, pinned = false): Promise<ivm.Script> {
    return this.cached(key, pinned) ?? this.remember(key, await this.isolate.compileScript(code, options), pinned);
  }

  /** {@link script}, compiling on the calling thread: for validation paths that must be synchronous. */
  scriptSync(key: string, code: string, options: ivm.ScriptInfo, pinned = false): ivm.Script {
    return this.cached(key, pinned) ?? this.remember(key, this.isolate.compileScriptSync(code, options), pinned);
  }

  private cached(key: string, pinned: boolean): ivm.Script | undefined {
    if (pinned) return this.pinned.get(key);
    const hit = this.recent.get(key);
    if (hit !== undefined) {
      // Re-insert to mark it most recently used (a Map iterates in insertion order).
      this.recent.delete(key);
      this.recent.set(key, hit);
    }
    return hit;
  }

  private remember(key: string, script: ivm.Script, pinned: boolean): ivm.Script {
    if (pinned) {
      this.pinned.set(key, script);
      return script;
    }
    this.recent.set(key, script);
    if (this.recent.size > this.maxCachedScripts) {
      const oldest = this.recent.keys().next();
      if (oldest.done !== true) {
        this.recent.get(oldest.value)?.release();
        this.recent.delete(oldest.value);
      }
    }
    return script;
  }

  dispose(): void {
    this.spare = undefined;
    this.pinned.clear();
    this.recent.clear();
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}
