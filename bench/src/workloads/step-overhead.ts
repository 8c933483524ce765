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
    const client = await warmUp(cluster, steps);
    const ids: string[] = [];
    const meter = cpuMeter({ coordinator: cluster.coordinators.map((c) => c.pid), workers: cluster.workers.map((w) => w.pid) });
    const cpuBefore = await meter.take();
    for (let i = 0; i < executions; i++) ids.push(await runOne(cluster, client, i));
    return { ...(await gaps(cluster, ids)), cpuMsPerStep: cpuPerStep(cpuDiff(cpuBefore, await meter.take()), executions * steps) };
  } finally {
    await cluster.stop();
  }
}

/** One way of running the cluster, measured side by side with others by {@link interleavedStepOverhead}. */
export interface OverheadVariant {
  name: string;
  /** Traces exported to a local sink; `sampleRatio` of the executions only, when given. */
  traced?: boolean;
  sampleRatio?: number;
  /** Starts the cluster with this environment for every process (default: this tree's `BenchCluster`). */
  start?: (env: Record<string, string>) => Promise<BenchCluster>;
}

/**
 * Per-step overhead of several variants measured together: every variant's cluster is started
 * first, then the executions alternate between them (one execution each, the order rotating), so a
 * machine whose speed drifts — a shared 2-core VM drifts by ±10% between runs a minute apart —
 * weighs on all variants alike, and a ratio between two of them is the cost of what differs.
 * Separate runs (`stepOverhead`) need many rounds for the same confidence.
 *
 * CPU per step is each cluster's over the whole alternation, its idle time during the others'
 * executions included (the same background work in every variant), so ratios of it understate the
 * difference; latency is the figure this measures well.
 *
 * A variant's place in the list may not be neutral: three identical untraced clusters side by
 * side read 1.000, 0.986 and 0.965 (3 rounds × 30 executions), the first listed slowest.
 * `rotation` moves every variant `rotation` places along the list — where it is started, where it
 * runs in each turn of the alternation —; callers repeating a comparison pass the repetition's
 * number, so that every variant takes every place equally often, and combine the repetitions'
 * ratios with `pairedRatio`. Runs come back in `variants`' order.
 */
export async function interleavedStepOverhead(variants: readonly OverheadVariant[], executions: number, steps = 20, rotation = 0): Promise<OverheadRun[]> {
  const places = variants.map((_, k) => (k + rotation) % variants.length);
  const runs = await sideBySide(
    places.map((i) => variants[i]!),
    executions,
    steps,
  );
  const byVariant: OverheadRun[] = new Array(variants.length);
  places.forEach((i, k) => (byVariant[i] = runs[k]!));
  return byVariant;
}

async function sideBySide(variants: readonly OverheadVariant[], executions: number, steps: number): Promise<OverheadRun[]> {
  const sinks = await Promise.all(variants.map((v) => (v.traced ? startOtlpSink() : undefined)));
  const clusters: BenchCluster[] = [];
  try {
    for (const [i, variant] of variants.entries()) {
      const sink = sinks[i];
      const sampling: Record<string, string> =
        variant.sampleRatio === undefined ? {} : { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(variant.sampleRatio) };
      const env = sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, ...sampling } : {};
      clusters.push(await (variant.start ?? ((e) => BenchCluster.start({ workers: [['script']], coordinatorEnv: e, workerEnv: e })))(env));
    }
    const clients = await Promise.all(clusters.map((c) => warmUp(c, steps)));
    const meters = clusters.map((c) => cpuMeter({ coordinator: c.coordinators.map((p) => p.pid), workers: c.workers.map((p) => p.pid) }));
    const cpuBefore = await Promise.all(meters.map((m) => m.take()));
    const ids: string[][] = clusters.map(() => []);
    for (let i = 0; i < executions; i++) {
      for (let k = 0; k < clusters.length; k++) {
        const v = (i + k) % clusters.length;
        ids[v]!.push(await runOne(clusters[v]!, clients[v]!, i));
      }
    }
    const cpuAfter = await Promise.all(meters.map((m) => m.take()));
    const runs = await Promise.all(
      clusters.map(async (c, v) => ({ ...(await gaps(c, ids[v]!)), cpuMsPerStep: cpuPerStep(cpuDiff(cpuBefore[v]!, cpuAfter[v]!), executions * steps) })),
    );
    await Promise.all(clusters.splice(0).map((c) => c.stop()));
    // Spans leave at the processes' shutdown at the latest: only then is an empty sink conclusive.
    for (const [i, variant] of variants.entries()) {
      if (variant.traced && variant.sampleRatio === undefined && sinks[i]!.requests() === 0) throw new Error(`${variant.name}: no span was exported`);
    }
    return runs;
  } finally {
    await Promise.all(clusters.map((c) => c.stop()));
    await Promise.all(sinks.map((s) => s?.close()));
  }
}

/**
 * One ratio from several repetitions' within-repetition ratios: their geometric mean. With the
 * variants rotated through every place equally often, a place's bias, which multiplies a
 * repetition's ratio, cancels out of the mean, where a median would keep one repetition's bias.
 */
export function pairedRatio(ratios: readonly number[]): number {
  if (ratios.length === 0) throw new RangeError('pairedRatio: no ratio to combine');
  return Math.exp(ratios.reduce((sum, r) => sum + Math.log(r), 0) / ratios.length);
}

type Client = ReturnType<BenchCluster['client']>;

/** Registers the chain and runs it once: isolates, connections, compiled definition cache. */
async function warmUp(cluster: BenchCluster, steps: number): Promise<Client> {
  const client = cluster.client(0);
  await client.createWorkflow(linear('overhead', steps));
  await client.waitForCompletion(await client.executeWorkflow('overhead'), { pollIntervalMs: 5 });
  return client;
}

/** Runs the `i`th measured execution (the warm-up was the first) to its end; returns its id. */
async function runOne(cluster: BenchCluster, client: Client, i: number): Promise<string> {
  const id = await client.executeWorkflow('overhead');
  await cluster.waitSettled('overhead', i + 2);
  return id;
}

function cpuPerStep(cpu: Record<string, number>, steps: number): OverheadRun['cpuMsPerStep'] {
  const perStep = (seconds: number | undefined) => ((seconds ?? 0) * 1000) / steps;
  return { coordinator: perStep(cpu['coordinator']), workers: perStep(cpu['workers']), sandboxes: perStep(cpu['sandboxes']) };
}

/** The gaps between consecutive steps of each execution: from one step's end to the next one's start, both worker clocks. */
async function gaps(cluster: BenchCluster, ids: string[]): Promise<Omit<OverheadRun, 'cpuMsPerStep'>> {
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
  return { medianMs: percentile(gaps, 50), p90Ms: percentile(gaps, 90), p99Ms: percentile(gaps, 99), samples: gaps.length };
}
