import { availableParallelism } from 'node:os';
import { SandboxClosedError } from './errors.js';
import { PooledIsolate } from './pooled-isolate.js';

/** Options of {@link IsolatePool}. */
export interface IsolatePoolOptions {
  /**
   * Isolates leased at once; further runs wait for one. Untrusted code here is CPU-bound (it has no
   * I/O), so more isolates than cores buy little throughput, only memory. Default: the core count, at
   * least 4 (so that one slow script does not hold up every other on a small machine).
   */
  maxIsolates?: number;
  /** Idle isolates kept per memory limit; more are disposed on release. Default 4. */
  maxIdlePerLimit?: number;
  /**
   * Runs after which an isolate is retired, bounding heap growth and fragmentation. Runs share the
   * isolate's one realm and leave only garbage behind (see `Realm`), so this can be large: measured
   * over 20,000 trivial runs the heap after a collection stays flat. Default 10,000.
   */
  maxRunsPerIsolate?: number;
  /**
   * Retire an isolate whose heap (live data and not-yet-collected garbage) exceeds this many MiB, or
   * half its limit if that is less, after a run. V8 collects old garbage lazily, near the limit and
   * slowly: measured with lodash (~0.8 MiB of garbage per run, when each run had its own context),
   * letting a 128 MiB isolate fill to half made runs average 9.4 ms with 60 ms pauses, against 5.1 ms
   * with 11 ms pauses at 13 MiB. A fresh isolate and its realm cost a few milliseconds. Default 16.
   */
  retireAtHeapMb?: number;
  /** Compiled user scripts (functions in the realm) cached per isolate. Default 32. */
  maxCachedScripts?: number;
  /** Name used in errors (`SandboxClosedError`). */
  name?: string;
}

/** Counters for tests and metrics. */
export interface IsolatePoolStats {
  idle: number;
  leased: number;
  /** Runs waiting for an isolate because `maxIsolates` are leased. */
  waiting: number;
  created: number;
  /** Isolates dropped so far: unhealthy, worn out, surplus or closed. */
  retired: number;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Isolates keyed by memory limit (a limit is fixed when an isolate is created). A run leases an
 * isolate for itself: an isolate runs one thing at a time, so concurrent runs get different isolates,
 * up to `maxIsolates`; idle ones are kept, up to `maxIdlePerLimit` per limit, for the next runs.
 */
export class IsolatePool {
  private readonly idle = new Map<number, PooledIsolate[]>();
  private readonly leased = new Set<PooledIsolate>();
  private readonly waiters: Waiter[] = [];
  private readonly maxIsolates: number;
  private readonly maxIdle: number;
  private readonly maxRuns: number;
  private readonly retireAtMb: number;
  private readonly maxCachedScripts: number;
  private readonly name: string;
  /** Leases plus slots handed to waiters that have not taken their isolate yet. */
  private slots = 0;
  private closed = false;
  private created = 0;
  private retired = 0;

  constructor(options: IsolatePoolOptions = {}) {
    this.maxIsolates = options.maxIsolates ?? Math.max(4, availableParallelism());
    this.maxIdle = options.maxIdlePerLimit ?? 4;
    this.maxRuns = options.maxRunsPerIsolate ?? 10_000;
    this.retireAtMb = options.retireAtHeapMb ?? 16;
    this.maxCachedScripts = options.maxCachedScripts ?? 32;
    this.name = options.name ?? 'isolate pool';
  }

  /** An isolate for one run, once fewer than `maxIsolates` are leased. Give it back with {@link release}. */
  async acquire(memoryLimitMb: number, signal?: AbortSignal): Promise<PooledIsolate> {
    if (this.closed) throw new SandboxClosedError(this.name);
    if (this.slots < this.maxIsolates) {
      this.slots += 1;
    } else {
      // release() hands its slot straight to the first waiter, so nobody can overtake the queue.
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          reject,
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(waiter);
      });
      if (this.closed) {
        this.slots -= 1;
        throw new SandboxClosedError(this.name);
      }
    }
    return this.take(memoryLimitMb);
  }

  /** {@link acquire} without waiting, beyond `maxIsolates` if need be: for short synchronous work. */
  acquireNow(memoryLimitMb: number): PooledIsolate {
    if (this.closed) throw new SandboxClosedError(this.name);
    this.slots += 1;
    return this.take(memoryLimitMb);
  }

  /**
   * Returns a leased isolate. `healthy: false` (timeout, out of memory, cancelled) disposes it: a
   * terminated isolate may hold half-finished work, and a fresh one costs a couple of milliseconds.
   */
  release(pooled: PooledIsolate, healthy: boolean): void {
    if (!this.leased.delete(pooled)) return;
    const idle = this.idle.get(pooled.memoryLimitMb) ?? [];
    const keep = healthy && !this.closed && !pooled.disposed && pooled.runs < this.maxRuns && idle.length < this.maxIdle;
    if (keep && this.heapMb(pooled) <= Math.min(this.retireAtMb, pooled.memoryLimitMb / 2)) {
      idle.push(pooled);
      this.idle.set(pooled.memoryLimitMb, idle);
    } else {
      this.retired += 1;
      pooled.dispose();
    }
    const next = this.waiters.shift();
    if (next === undefined) this.slots -= 1;
    else next.resolve();
  }

  stats(): IsolatePoolStats {
    let idle = 0;
    for (const list of this.idle.values()) idle += list.length;
    return { idle, leased: this.leased.size, waiting: this.waiters.length, created: this.created, retired: this.retired };
  }

  /** Disposes every isolate, idle or leased; waiting and later acquisitions fail with `SandboxClosedError`. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new SandboxClosedError(this.name));
    for (const list of this.idle.values()) {
      for (const pooled of list) {
        this.retired += 1;
        pooled.dispose();
      }
    }
    this.idle.clear();
    // Their runs fail with a disposed isolate; the runner reports them and releases them as usual.
    for (const pooled of this.leased) pooled.dispose();
  }

  private take(memoryLimitMb: number): PooledIsolate {
    let pooled = this.idle.get(memoryLimitMb)?.pop();
    while (pooled?.disposed === true) pooled = this.idle.get(memoryLimitMb)?.pop();
    if (pooled === undefined) {
      pooled = new PooledIsolate({ memoryLimitMb, maxCachedScripts: this.maxCachedScripts });
      this.created += 1;
    }
    pooled.runs += 1;
    this.leased.add(pooled);
    return pooled;
  }

  private heapMb(pooled: PooledIsolate): number {
    try {
      // Sync on purpose: the isolate is idle now, and this costs ~15 µs against a thread hop.
      const heap = pooled.isolate.getHeapStatisticsSync();
      return (heap.used_heap_size + heap.externally_allocated_size) / (1024 * 1024);
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  }
}
