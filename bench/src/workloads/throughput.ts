import type { WorkflowDefinitionInput } from '@agentic-flow/spec';
import { BenchCluster, startExecutions } from '../bench-cluster.js';
import { cpuDiff, cpuMeter } from '../cpu-usage.js';
import { fanout, linear } from '../workflows.js';

export interface ThroughputShape {
  name: 'linear10x200' | 'fanout1000' | 'single1000';
  /** A definition under a given id. */
  workflow: (id: string) => WorkflowDefinitionInput;
  executions: number;
  /** Work steps per execution. */
  stepsPerExecution: number;
}

export function shapes(scale: number): ThroughputShape[] {
  const n = (x: number) => Math.max(2, Math.round(x * scale));
  return [
    { name: 'linear10x200', workflow: (id) => linear(id, 10), executions: n(200), stepsPerExecution: 10 },
    { name: 'fanout1000', workflow: (id) => fanout(id, n(1000)), executions: 1, stepsPerExecution: n(1000) },
    { name: 'single1000', workflow: (id) => linear(id, 1), executions: n(1000), stepsPerExecution: 1 },
  ];
}

export interface ThroughputRun {
  stepsPerSec: number;
  executionsPerSec: number;
  durationMs: number;
  /** CPU milliseconds per step, by component (coordinator, workers, postgres, redis). */
  cpuMsPerStep: Record<string, number>;
}

/**
 * Starts all executions at once (through every coordinator), waits for all to complete, and
 * divides. One cluster per configuration; each repetition uses a workflow id of its own.
 */
export async function throughput(
  shape: ThroughputShape,
  options: { workers: number; coordinators: number; repetitions: number; profileDir?: string; workerProfileDir?: string },
): Promise<ThroughputRun[]> {
  const cluster = await BenchCluster.start({
    coordinators: options.coordinators,
    workers: Array.from({ length: options.workers }, () => ['script']),
    ...(options.profileDir ? { profileDir: options.profileDir } : {}),
    ...(options.workerProfileDir ? { workerProfileDir: options.workerProfileDir } : {}),
  });
  try {
    // Warm-up: JIT, connection pools, isolates and realms, compiled definitions — a quarter of a run.
    const warm = `${shape.name}-warmup`;
    const warmExecutions = Math.max(1, Math.ceil(shape.executions / 4));
    await cluster.client(0).createWorkflow(shape.workflow(warm));
    await startExecutions(cluster, warm, warmExecutions);
    await cluster.waitSettled(warm, warmExecutions);
    const meter = cpuMeter({ coordinator: cluster.coordinators.map((c) => c.pid), workers: cluster.workers.map((w) => w.pid), bench: [process.pid] });
    const runs: ThroughputRun[] = [];
    for (let r = 0; r < options.repetitions; r++) {
      const id = `${shape.name}-r${r}`;
      await cluster.client(0).createWorkflow(shape.workflow(id));
      const before = await meter.take();
      const started = performance.now();
      await startExecutions(cluster, id, shape.executions);
      await cluster.waitSettled(id, shape.executions);
      const durationMs = performance.now() - started;
      const steps = shape.executions * shape.stepsPerExecution;
      const cpu = cpuDiff(before, await meter.take());
      runs.push({
        durationMs,
        stepsPerSec: (steps * 1000) / durationMs,
        executionsPerSec: (shape.executions * 1000) / durationMs,
        cpuMsPerStep: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, (v * 1000) / steps])),
      });
    }
    return runs;
  } finally {
    await cluster.stop();
  }
}
