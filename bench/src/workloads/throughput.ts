import type { WorkflowDefinitionInput } from '@agentic-flow/spec';
import { BenchCluster, startExecutions } from '../bench-cluster.js';
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
}

/**
 * Starts all executions at once (through every coordinator), waits for all to complete, and
 * divides. One cluster per configuration; each repetition uses a workflow id of its own.
 */
export async function throughput(shape: ThroughputShape, options: { workers: number; coordinators: number; repetitions: number; profileDir?: string }): Promise<ThroughputRun[]> {
  const cluster = await BenchCluster.start({
    coordinators: options.coordinators,
    workers: Array.from({ length: options.workers }, () => ['script']),
    ...(options.profileDir ? { profileDir: options.profileDir } : {}),
  });
  try {
    const warm = `${shape.name}-warmup`;
    await cluster.client(0).createWorkflow(shape.workflow(warm));
    await startExecutions(cluster, warm, Math.min(shape.executions, 20));
    await cluster.waitSettled(warm, Math.min(shape.executions, 20));
    const runs: ThroughputRun[] = [];
    for (let r = 0; r < options.repetitions; r++) {
      const id = `${shape.name}-r${r}`;
      await cluster.client(0).createWorkflow(shape.workflow(id));
      const started = performance.now();
      await startExecutions(cluster, id, shape.executions);
      await cluster.waitSettled(id, shape.executions);
      const durationMs = performance.now() - started;
      runs.push({ durationMs, stepsPerSec: (shape.executions * shape.stepsPerExecution * 1000) / durationMs, executionsPerSec: (shape.executions * 1000) / durationMs });
    }
    return runs;
  } finally {
    await cluster.stop();
  }
}
