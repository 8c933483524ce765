import { Counter, Gauge, type Registry } from 'prom-client';

/** What a sandbox process pool tells of itself (`SandboxProcessPool.stats()`). */
export interface SandboxPoolStats {
  processes: number;
  busy: number;
  queued: number;
  /** Processes started since the pool began: the warm ones, then every replacement (worn out or crashed). */
  spawned: number;
  crashed: number;
}

/**
 * Gauges and counters of sandbox process pools (expressions on a coordinator; scripts and the
 * agents' scripts on a worker), read from each pool's in-memory stats at scrape time.
 * `agentic_flow_sandbox_processes_spawned_total` grows with every recycle and crash replacement.
 */
export function registerSandboxPoolMetrics(registry: Registry, pools: ReadonlyMap<string, () => SandboxPoolStats>): void {
  const registers = [registry];
  new Gauge({
    name: 'agentic_flow_sandbox_processes',
    help: 'Sandbox processes per pool: total, busy, and runs queued waiting for one.',
    labelNames: ['pool', 'state'],
    registers,
    collect() {
      for (const [pool, stats] of pools) {
        const s = stats();
        this.set({ pool, state: 'total' }, s.processes);
        this.set({ pool, state: 'busy' }, s.busy);
        this.set({ pool, state: 'queued' }, s.queued);
      }
    },
  });
  // Counters whose value the pool keeps: set at scrape time (reset, then the pool's total).
  const mirrored = (name: string, help: string, read: (s: SandboxPoolStats) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const [pool, stats] of pools) this.inc({ pool }, read(stats()));
      },
    });
  };
  mirrored(
    'agentic_flow_sandbox_processes_spawned_total',
    'Sandbox processes started per pool: initial, recycled after their run limit, and replacing crashed ones.',
    (s) => s.spawned,
  );
  mirrored(
    'agentic_flow_sandbox_process_crashes_total',
    'Sandbox processes that died per pool (a script that made V8 abort, out of memory, killed).',
    (s) => s.crashed,
  );
}
