import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchCluster } from '../bench-cluster.js';

export interface ControlScaleRun {
  /** Steps in the definition. */
  steps: number;
  /** POST /v1/workflows of the whole definition, until its answer. */
  registerMs: number;
  /** Longest event-loop delay in the coordinator while registering. */
  registerLoopLagMs: number;
  /** POST of an execution of the chain, until its answer. */
  startMs: number;
  /** POST of the execution until PostgreSQL says it completed. */
  completeMs: number;
  /** Longest event-loop delay in the coordinator from the start to completion. */
  runLoopLagMs: number;
  /** Slowest answer to `GET /healthz`, asked every 20 ms while registering and while running: the same delay, seen from outside. */
  slowestHealthMs: number;
}

const PROBE = fileURLToPath(new URL('../loop-lag-probe.js', import.meta.url));

/**
 * A chain of `steps` conditions (each `variables.n > k`, leading to the next), registered and run on
 * one coordinator with no worker: what a long chain of control steps costs to register and to run,
 * and how long the coordinator's event loop is held meanwhile (measured inside it, see
 * `loop-lag-probe.ts`).
 */
export async function conditionChain(steps: number): Promise<ControlScaleRun> {
  const lagFile = join(tmpdir(), `af-bench-loop-lag-${process.pid}-${Date.now()}`);
  await writeFile(lagFile, '');
  const cluster = await BenchCluster.start({ workers: [], coordinatorEnv: { BENCH_LOOP_LAG_FILE: lagFile }, coordinatorNodeArgs: ['--import', PROBE] });
  const coordinatorPid = cluster.coordinators[0]!.pid;
  const window = async (): Promise<void> => {
    process.kill(coordinatorPid, 'SIGUSR2');
    // Let the probe's next write (every 100 ms) report the fresh window before the measured work starts.
    await new Promise((resolve) => setTimeout(resolve, 250));
  };
  const lag = async (): Promise<number> => {
    await new Promise((resolve) => setTimeout(resolve, 250));
    return Number((await readFile(lagFile, 'utf8')).trim() || 0);
  };
  try {
    const client = cluster.client(0);
    const chain = Array.from({ length: steps }, (_, i) => ({
      id: `c${i}`,
      type: 'condition' as const,
      config: { condition: `variables.n > ${i % 7}`, ...(i + 1 < steps ? { trueStep: `c${i + 1}` } : {}) },
    }));
    let slowestHealthMs = 0;
    let probing = true;
    const health = (async () => {
      while (probing) {
        const asked = performance.now();
        await fetch(`${cluster.coordinators[0]!.url}/healthz`);
        slowestHealthMs = Math.max(slowestHealthMs, performance.now() - asked);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await window();
    let started = performance.now();
    await client.createWorkflow({ id: 'chain', name: 'chain', version: '1', steps: chain });
    const registerMs = performance.now() - started;
    const registerLoopLagMs = await lag();
    await window();
    started = performance.now();
    await client.executeWorkflow('chain', { n: 100 });
    const startMs = performance.now() - started;
    await cluster.waitSettled('chain', 1, 120_000);
    const completeMs = performance.now() - started;
    const runLoopLagMs = await lag();
    probing = false;
    await health;
    return { steps, registerMs, registerLoopLagMs, startMs, completeMs, runLoopLagMs, slowestHealthMs };
  } finally {
    await cluster.stop();
    await rm(lagFile, { force: true });
  }
}
