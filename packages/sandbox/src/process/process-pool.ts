import { fileURLToPath } from 'node:url';
import { FairQueue } from './fair-queue.js';
import type { HostReply, HostRequest, HostSetup } from './host-protocol.js';
import { SandboxProcess, type ProcessExit } from './sandbox-process.js';

/** Options of {@link SandboxProcessPool}. */
export interface SandboxProcessPoolOptions {
  /** Processes kept running and warm. */
  size: number;
  /**
   * While every process is busy and work waits, more are started up to this many; they stop after
   * `idleTimeoutMs` without work. Default `size` (no growth).
   */
  maxSize?: number;
  /**
   * Runs in flight at once per fairness key (an execution, say); the rest wait while other keys
   * go first, so one caller with many slow runs cannot hold every process. Default: no limit.
   */
  maxInFlightPerKey?: number;
  setup: HostSetup;
  /** Heap limit of each process (not of its isolates), MiB. Default 256. */
  maxOldSpaceMb?: number;
  /** Default 20 000 ms. */
  readyTimeoutMs?: number;
  /** Default 30 000 ms. */
  idleTimeoutMs?: number;
  /** Runs after which a process is replaced by a fresh one. Default 100 000. */
  maxRunsPerProcess?: number;
  /** A run whose cancellation is not acknowledged this soon has its process killed. Default 1000 ms. */
  cancelGraceMs?: number;
  /** The host entry point; default the built `host-main.js` of this package. */
  entry?: string;
}

/** How a submitted run ended, as far as the pool can tell. */
export type PoolOutcome =
  | { type: 'reply'; reply: Exclude<HostReply, { type: 'ready' }> }
  /** Its process died while running it. */
  | { type: 'crashed'; exit: ProcessExit }
  /** It ran past its deadline without an answer: its process was killed. */
  | { type: 'expired' }
  /** Its signal aborted it, or the pool closed; `started` says whether it had reached a process. */
  | { type: 'cancelled'; started: boolean }
  /** No process could be started to run it. */
  | { type: 'unavailable'; message: string };

export interface SubmitOptions {
  /** Fairness key (see `maxInFlightPerKey`). */
  key?: string;
  signal?: AbortSignal;
  /** How long the process may take to answer once it has the run; past it, the process is killed. */
  deadlineMs: number;
}

export interface SandboxProcessPoolStats {
  processes: number;
  busy: number;
  queued: number;
  spawned: number;
  crashed: number;
}

interface Job {
  request: DistributiveOmit<HostRequest, 'id'>;
  key: string;
  options: SubmitOptions;
  resolve(outcome: PoolOutcome): void;
}

interface Running {
  job: Job;
  host: SandboxProcess;
  timers: NodeJS.Timeout[];
  onAbort?: () => void;
  cancelling?: boolean;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const DEFAULT_ENTRY = fileURLToPath(new URL('../../dist/process/host-main.js', import.meta.url));
/** Crashes within this window count towards slowing down restarts. */
const CRASH_WINDOW_MS = 10_000;
/** Processes in a row that die before they are ready before queued runs are failed. */
const MAX_FAILED_STARTS = 3;

/**
 * A pool of sandbox processes (`host-main.js`) that run untrusted scripts and expressions, one run
 * per process at a time. isolated-vm cannot contain every out-of-memory pattern — V8 aborts the
 * whole process on some — so the code runs here instead of in the worker or coordinator: a run
 * whose process dies is reported `crashed` and a fresh process takes the dead one's place, while
 * the parent serves on. Processes start warm (an isolate and its realm ready) and stay up between
 * runs; a restart storm is slowed down.
 *
 * @example
 * ```ts
 * const pool = new SandboxProcessPool({ size: 2, setup: { modules: {}, warmMemoryLimitMb: 128, expressionMemoryLimitMb: 32 } });
 * const outcome = await pool.submit({ type: 'expression', expression: '1 + 1', scopeJson: '{}', timeoutMs: 100 }, { deadlineMs: 2100 });
 * await pool.close();
 * ```
 */
export class SandboxProcessPool {
  private readonly processes = new Set<SandboxProcess>();
  private readonly ready = new Set<SandboxProcess>();
  private readonly retiring = new Set<SandboxProcess>();
  private readonly queue = new FairQueue<Job>();
  private readonly inFlightByKey = new Map<string, number>();
  private readonly running = new Map<number, Running>();
  private readonly size: number;
  private readonly maxSize: number;
  private readonly maxPerKey: number;
  private readonly maxRuns: number;
  private readonly idleTimeoutMs: number;
  private readonly cancelGraceMs: number;
  private readonly idleTimer: NodeJS.Timeout;
  private lastId = 0;
  private starting = 0;
  private failedStarts = 0;
  private spawned = 0;
  private crashed = 0;
  private recentCrashes: number[] = [];
  private closed = false;
  /** Callers of {@link warm} waiting for the pool to be warm. */
  private warmWaiters: (() => void)[] = [];

  constructor(private readonly options: SandboxProcessPoolOptions) {
    if (!(options.size >= 1)) throw new RangeError('a sandbox process pool needs at least one process');
    this.size = options.size;
    this.maxSize = Math.max(options.size, options.maxSize ?? options.size);
    this.maxPerKey = options.maxInFlightPerKey ?? Number.POSITIVE_INFINITY;
    this.maxRuns = options.maxRunsPerProcess ?? 100_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.cancelGraceMs = options.cancelGraceMs ?? 1000;
    for (let i = 0; i < this.size; i++) this.spawn();
    this.idleTimer = setInterval(() => this.retireIdle(), Math.max(1000, this.idleTimeoutMs / 2));
    this.idleTimer.unref();
  }

  /**
   * Resolves once `size` processes are warm (or none can be started, or the pool closed): a process
   * owner that reports ready should not make its first runs wait for processes to start.
   */
  warm(): Promise<void> {
    if (this.isWarm()) return Promise.resolve();
    return new Promise((resolve) => this.warmWaiters.push(resolve));
  }

  private isWarm(): boolean {
    return this.closed || this.ready.size >= this.size || this.failedStarts >= MAX_FAILED_STARTS;
  }

  private wakeWarmWaiters(): void {
    if (!this.isWarm()) return;
    for (const resolve of this.warmWaiters.splice(0)) resolve();
  }

  /** Runs `request` in a process when one is free and the key's turn has come. Never rejects. */
  submit(request: DistributiveOmit<HostRequest, 'id'>, options: SubmitOptions): Promise<PoolOutcome> {
    if (this.closed) return Promise.resolve({ type: 'cancelled', started: false });
    if (options.signal?.aborted === true) return Promise.resolve({ type: 'cancelled', started: false });
    return new Promise<PoolOutcome>((resolve) => {
      const job: Job = { request, key: options.key ?? '', options, resolve };
      this.queue.push(job);
      const signal = options.signal;
      if (signal) {
        // Until it starts, aborting only takes it out of the queue.
        const onAbort = (): void => {
          if (this.queue.remove(job)) resolve({ type: 'cancelled', started: false });
        };
        signal.addEventListener('abort', onAbort, { once: true });
        job.resolve = (outcome) => {
          signal.removeEventListener('abort', onAbort);
          resolve(outcome);
        };
      }
      this.dispatch();
    });
  }

  /**
   * Ends every run of fairness key `key`: queued ones never start, running ones are stopped (their
   * process killed if it does not stop within `cancelGraceMs`). All end `cancelled`.
   */
  cancelKey(key: string): void {
    for (const job of this.queue.removeKey(key)) job.resolve({ type: 'cancelled', started: false });
    for (const [id, run] of this.running) if (run.job.key === key) this.stop(id, run);
  }

  stats(): SandboxProcessPoolStats {
    return { processes: this.processes.size, busy: this.running.size, queued: this.queue.size, spawned: this.spawned, crashed: this.crashed };
  }

  /** Ends queued and running work as cancelled, and kills every process. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.idleTimer);
    for (const job of this.queue.clear()) job.resolve({ type: 'cancelled', started: false });
    this.wakeWarmWaiters();
    for (const [id, run] of this.running) this.settle(id, { type: 'cancelled', started: true }, run);
    const exits = [...this.processes].map((host) => new Promise<void>((resolve) => (host.exited ? resolve() : void host.ended.then(resolve))));
    for (const host of this.processes) host.kill();
    await Promise.all(exits);
  }

  private dispatch(): void {
    while (!this.closed && this.queue.size > 0) {
      const host = this.idleProcess();
      if (host === undefined) {
        this.grow();
        return;
      }
      const job = this.queue.take(this.inFlightOf, this.maxPerKey);
      if (job === undefined) return;
      this.start(host, job);
    }
  }

  private readonly inFlightOf = (key: string): number => this.inFlightByKey.get(key) ?? 0;

  private idleProcess(): SandboxProcess | undefined {
    for (const host of this.ready) if (host.current === undefined && !this.retiring.has(host)) return host;
    return undefined;
  }

  private start(host: SandboxProcess, job: Job): void {
    const id = ++this.lastId;
    host.current = id;
    this.inFlightByKey.set(job.key, (this.inFlightByKey.get(job.key) ?? 0) + 1);
    const run: Running = { job, host, timers: [] };
    this.running.set(id, run);
    run.timers.push(
      setTimeout(() => {
        this.discard(host);
        this.settle(id, { type: 'expired' }, run);
      }, job.options.deadlineMs),
    );
    const signal = job.options.signal;
    if (signal) {
      run.onAbort = () => this.stop(id, run);
      signal.addEventListener('abort', run.onAbort, { once: true });
    }
    host.send({ ...job.request, id } as HostRequest);
  }

  /** Asks run `id`'s process to stop it; a process too busy to stop it in time is killed. It ends cancelled either way. */
  private stop(id: number, run: Running): void {
    if (run.cancelling) return;
    run.cancelling = true;
    run.host.send({ type: 'cancel', id });
    run.timers.push(
      setTimeout(() => {
        this.discard(run.host);
        this.settle(id, { type: 'cancelled', started: true }, run);
      }, this.cancelGraceMs),
    );
  }

  /** Kills a process on purpose (worn out, surplus, or not answering in time): it gets no more work, and a fresh one replaces it if needed. */
  private discard(host: SandboxProcess): void {
    this.retiring.add(host);
    this.ready.delete(host);
    host.kill();
  }

  /** Ends run `id` once, whatever reports first (its reply, its process's death, a timer). */
  private settle(id: number, outcome: PoolOutcome, run: Running): void {
    if (this.running.get(id) !== run) return;
    this.running.delete(id);
    for (const timer of run.timers) clearTimeout(timer);
    if (run.onAbort) run.job.options.signal?.removeEventListener('abort', run.onAbort);
    const left = (this.inFlightByKey.get(run.job.key) ?? 1) - 1;
    if (left > 0) this.inFlightByKey.set(run.job.key, left);
    else this.inFlightByKey.delete(run.job.key);
    if (run.host.current === id) {
      run.host.current = undefined;
      run.host.idleSince = Date.now();
    }
    run.job.resolve(outcome);
  }

  private onReply(host: SandboxProcess, reply: Exclude<HostReply, { type: 'ready' }>): void {
    const run = this.running.get(reply.id);
    if (run === undefined || run.host !== host) return;
    host.runs += 1;
    // A run cancelled in time answers CANCELLED itself: the reply is the outcome.
    this.settle(reply.id, { type: 'reply', reply }, run);
    // A worn-out process is replaced; it is idle now (it just answered), so killing it loses nothing.
    if (host.runs >= this.maxRuns) this.discard(host);
    this.dispatch();
  }

  private onExit(host: SandboxProcess, exit: ProcessExit): void {
    this.ready.delete(host);
    this.processes.delete(host);
    const retired = this.retiring.delete(host);
    const wasReady = host.isReady;
    if (!wasReady) this.starting -= 1;
    const id = host.current;
    const run = id === undefined ? undefined : this.running.get(id);
    if (run !== undefined && id !== undefined) {
      // A process killed to stop a cancelled run did not crash.
      if (run.cancelling !== true) {
        this.crashed += 1;
        this.recentCrashes.push(Date.now());
      }
      this.settle(id, run.cancelling === true ? { type: 'cancelled', started: true } : { type: 'crashed', exit }, run);
    }
    if (!wasReady && !retired && !this.closed) {
      this.failedStarts += 1;
      if (this.failedStarts >= MAX_FAILED_STARTS) {
        this.failQueued(`sandbox processes fail to start (last: ${exit.signal ?? `exit code ${exit.code}`})`);
        this.wakeWarmWaiters();
      }
    }
    if (!this.closed && this.processes.size < this.size) this.spawnAfter(this.restartDelay());
    else this.dispatch();
  }

  private failQueued(message: string): void {
    for (const job of this.queue.clear()) job.resolve({ type: 'unavailable', message });
  }

  /** No delay for a crash now and then; exponentially more, up to 5 s, when they come in a storm. */
  private restartDelay(): number {
    const now = Date.now();
    this.recentCrashes = this.recentCrashes.filter((at) => now - at < CRASH_WINDOW_MS);
    const storm = this.recentCrashes.length + this.failedStarts - 3;
    return storm <= 0 ? 0 : Math.min(5000, 100 * 2 ** storm);
  }

  private spawnAfter(delayMs: number): void {
    if (delayMs === 0) {
      this.spawn();
      return;
    }
    this.starting += 1;
    setTimeout(() => {
      this.starting -= 1;
      if (!this.closed && this.processes.size < this.size) this.spawn();
    }, delayMs).unref();
  }

  private spawn(): void {
    if (this.closed) return;
    const host = new SandboxProcess(
      {
        entry: this.options.entry ?? DEFAULT_ENTRY,
        setup: this.options.setup,
        maxOldSpaceMb: this.options.maxOldSpaceMb ?? 256,
        readyTimeoutMs: this.options.readyTimeoutMs ?? 20_000,
      },
      { reply: (p, reply) => this.onReply(p, reply as Exclude<HostReply, { type: 'ready' }>), exit: (p, exit) => this.onExit(p, exit) },
    );
    this.spawned += 1;
    this.starting += 1;
    this.processes.add(host);
    host.ready.then(
      () => {
        this.starting -= 1;
        this.failedStarts = 0;
        host.isReady = true;
        if (this.closed) return;
        this.ready.add(host);
        this.wakeWarmWaiters();
        this.dispatch();
      },
      () => undefined,
    );
  }

  /** Starts one more process when work waits, none is free and none is starting already. */
  private grow(): void {
    if (this.closed || this.starting > 0 || this.processes.size >= this.maxSize) return;
    if (this.queue.blocked(this.inFlightOf, this.maxPerKey)) return;
    this.spawn();
  }

  /** Processes beyond `size` stop after `idleTimeoutMs` without work. */
  private retireIdle(): void {
    const now = Date.now();
    let surplus = this.processes.size - this.size;
    for (const host of this.ready) {
      if (surplus <= 0) return;
      if (host.current === undefined && now - host.idleSince >= this.idleTimeoutMs) {
        this.discard(host);
        surplus -= 1;
      }
    }
  }
}
