import type { WorkflowDefinitionInput } from '@agentic-flow/spec';
import { BenchCluster } from '../bench-cluster.js';
import { cpuDiff, cpuMeter } from '../cpu-usage.js';
import { fanout } from '../workflows.js';

export type ScaleShape = 'parallel' | 'loop';

export interface ExecutionScaleRun {
  shape: ScaleShape;
  /** Branches of the parallel step, or iterations of the loop. */
  size: number;
  /** Work steps the execution ran (each branch or iteration is one no-op script). */
  steps: number;
  /** From the start request until PostgreSQL says the execution completed. */
  wallMs: number;
  stepsPerSec: number;
  /** Coordinator CPU (user + system) per step, ms. */
  coordinatorCpuMsPerStep: number;
  /** PostgreSQL WAL written per step, bytes: what each step costs the database to write. */
  walBytesPerStep: number;
  /** Highest coordinator RSS sampled while the definition was registered (validated and compiled), MB. */
  registerRssMb: number;
  /** Highest coordinator RSS sampled while the execution ran, MB. */
  peakRssMb: number;
}

/** A loop of `iterations` no-op script iterations. */
function loop(id: string, iterations: number): WorkflowDefinitionInput {
  return {
    id,
    name: id,
    version: '1',
    steps: [
      { id: 'loop', type: 'loop', config: { loopStep: 'body', maxIterations: iterations, onMaxIterations: 'complete' } },
      { id: 'body', type: 'script', config: { script: 'return 1;' } },
    ],
  };
}

async function walLsn(cluster: BenchCluster): Promise<string> {
  const { rows } = await cluster.sql.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
  return rows[0]!.lsn;
}

async function walBytesSince(cluster: BenchCluster, lsn: string): Promise<number> {
  const { rows } = await cluster.sql.query<{ bytes: string }>('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::bigint as bytes', [lsn]);
  return Number(rows[0]!.bytes);
}

/**
 * One execution at a time, alone on one coordinator and one script worker: what a single large
 * execution costs per step as it grows. A per-step cost that grows with the execution's size shows
 * as falling steps/s and rising CPU and WAL per step from one size to the next.
 */
export async function executionScale(
  runs: { shape: ScaleShape; size: number }[],
  options: { profileDir?: string; timeoutMs?: number } = {},
): Promise<ExecutionScaleRun[]> {
  const cluster = await BenchCluster.start({
    workers: [['script']],
    // A definition of 100,000 branches is about 7 MB of JSON, over the default request body limit.
    coordinatorEnv: { BODY_LIMIT: String(64 * 1024 * 1024) },
    ...(options.profileDir ? { profileDir: options.profileDir } : {}),
  });
  try {
    const coordinator = cluster.coordinators[0]!;
    const meter = cpuMeter({ coordinator: [coordinator.pid] });
    // Warm-up: JIT, pools and the worker's isolates, on a small execution of each shape.
    for (const shape of ['parallel', 'loop'] as const) await runOne(cluster, shape, 50, `warm-${shape}`, options.timeoutMs);
    const results: ExecutionScaleRun[] = [];
    for (const [i, { shape, size }] of runs.entries()) {
      const id = `${shape}-${size}-${i}`;
      // Registering a definition of 100,000 steps is memory of its own: sampled apart from the run's.
      let peakRssMb = await BenchCluster.rssMb(coordinator.pid);
      const sampler = setInterval(() => {
        void BenchCluster.rssMb(coordinator.pid).then((mb) => {
          peakRssMb = Math.max(peakRssMb, mb);
        });
      }, 250);
      let registerRssMb: number;
      let wallMs: number;
      let lsn: string;
      let before: Awaited<ReturnType<typeof meter.take>>;
      try {
        await cluster.client(0).createWorkflow(shape === 'parallel' ? fanout(id, size) : loop(id, size));
        registerRssMb = Math.max(peakRssMb, await BenchCluster.rssMb(coordinator.pid));
        peakRssMb = await BenchCluster.rssMb(coordinator.pid);
        lsn = await walLsn(cluster);
        before = await meter.take();
        wallMs = await runRegistered(cluster, id, options.timeoutMs);
      } finally {
        clearInterval(sampler);
      }
      const cpu = cpuDiff(before, await meter.take());
      const walBytes = await walBytesSince(cluster, lsn);
      results.push({
        shape,
        size,
        steps: size,
        wallMs,
        stepsPerSec: (size * 1000) / wallMs,
        coordinatorCpuMsPerStep: ((cpu['coordinator'] ?? 0) * 1000) / size,
        walBytesPerStep: walBytes / size,
        registerRssMb,
        peakRssMb,
      });
    }
    return results;
  } finally {
    await cluster.stop();
  }
}

async function runOne(cluster: BenchCluster, shape: ScaleShape, size: number, id: string, timeoutMs?: number): Promise<number> {
  await cluster.client(0).createWorkflow(shape === 'parallel' ? fanout(id, size) : loop(id, size));
  return runRegistered(cluster, id, timeoutMs);
}

/** Runs one execution of the registered workflow `id` to the end: its wall time, ms. */
async function runRegistered(cluster: BenchCluster, id: string, timeoutMs = 1_800_000): Promise<number> {
  const started = performance.now();
  await cluster.client(0).executeWorkflow(id, {});
  await cluster.waitSettled(id, 1, timeoutMs);
  return performance.now() - started;
}
