import { BenchCluster } from '../bench-cluster.js';
import { cpuDiff, cpuMeter } from '../cpu-usage.js';
import { startOtlpSink } from '../otlp-sink.js';
import { percentile } from '../stats.js';
import { linear } from '../workflows.js';

export interface OverheadRun {
  medianMs: number;
  p90Ms: number;
  p99Ms: number;
  samples: number;
  /** CPU milliseconds per step of the coordinator, the worker and the worker's sandbox processes, over the measured executions. */
  cpuMsPerStep: { coordinator: number; workers: number; sandboxes: number };
}

/**
 * Per-step overhead: in a 20-step chain of no-op scripts, the time from one step finishing on a
 * worker to the next starting on a worker (both worker timestamps). Executions run one at a time,
 * so this is latency without load: result hop, transaction, enqueue hop. `traced` runs the same with
 * traces exported, to show what tracing costs per step.
 */
export async function stepOverhead(executions: number, steps = 20, options: { traced?: boolean; sampleRatio?: number } = {}): Promise<OverheadRun> {
  // Traced: every process exports its spans (with the pg, ioredis and undici instrumentations) to a
  // local sink — every execution's, or (sampleRatio) that share of executions', as operators sample.
  const sink = options.traced ? await startOtlpSink() : undefined;
  const sampling: Record<string, string> =
    options.sampleRatio === undefined ? {} : { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(options.sampleRatio) };
  const otel: Record<string, string> = sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, ...sampling } : {};
  try {
    const run = await measure(await BenchCluster.start({ workers: [['script']], coordinatorEnv: otel, workerEnv: otel }), executions, steps);
    // Spans leave at the processes' shutdown at the latest: only then is an empty sink conclusive.
    if (sink && options.sampleRatio === undefined && sink.requests() === 0) throw new Error('traced step overhead: no span was exported');
    return run;
  } finally {
    await sink?.close();
  }
}

/** Runs the executions on `cluster`, measures them and stops it (flushing every process's spans). */
async function measure(cluster: BenchCluster, executions: number, steps: number): Promise<OverheadRun> {
  try {
    const client = cluster.client(0);
    await client.createWorkflow(linear('overhead', steps));
    // Warm-up: isolates, connections, compiled definition cache.
    await client.waitForCompletion(await client.executeWorkflow('overhead'), { pollIntervalMs: 5 });
    const ids: string[] = [];
    const meter = cpuMeter({ coordinator: cluster.coordinators.map((c) => c.pid), workers: cluster.workers.map((w) => w.pid) });
    const cpuBefore = await meter.take();
    for (let i = 0; i < executions; i++) {
      const id = await client.executeWorkflow('overhead');
      await cluster.waitSettled('overhead', i + 2);
      ids.push(id);
    }
    const cpu = cpuDiff(cpuBefore, await meter.take());
    const perStep = (seconds: number | undefined) => ((seconds ?? 0) * 1000) / (executions * steps);
    const { rows } = await cluster.sql.query<{ execution_id: string; instance_key: string; started: number; finished: number }>(
      `select execution_id, instance_key,
              extract(epoch from started_at) * 1000 as started, extract(epoch from finished_at) * 1000 as finished
         from step_runs where execution_id = any($1::uuid[])`,
      [ids],
    );
    const gaps: number[] = [];
    for (const id of ids) {
      const runs = rows.filter((r) => r.execution_id === id).sort((a, b) => Number(a.instance_key.slice(1)) - Number(b.instance_key.slice(1)));
      for (let i = 1; i < runs.length; i++) gaps.push(Number(runs[i]!.started) - Number(runs[i - 1]!.finished));
    }
    return {
      medianMs: percentile(gaps, 50),
      p90Ms: percentile(gaps, 90),
      p99Ms: percentile(gaps, 99),
      samples: gaps.length,
      cpuMsPerStep: { coordinator: perStep(cpu['coordinator']), workers: perStep(cpu['workers']), sandboxes: perStep(cpu['sandboxes']) },
    };
  } finally {
    await cluster.stop();
  }
}
