import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { testDatabaseServerUrl, testRedisServerUrl } from '@agentic-flow/testing';
import { machineInfo } from './machine.js';
import { summarizeProfile, type ProfileSummary } from './profile.js';
import { resultsJson, resultsMarkdown, scaleTargets, targets, type BenchReport, type ThroughputRow } from './report.js';
import { percentile, summarize } from './stats.js';
import { runDbos } from './workloads/peer-dbos.js';
import { rawBullmqRoundTrips } from './workloads/raw-bullmq.js';
import { conditionChain } from './workloads/control-scale.js';
import { executionScale, type ExecutionScaleRun } from './workloads/execution-scale.js';
import { coordinatorRss, listLatency } from './workloads/scale.js';
import { metricsLatency } from './workloads/metrics-query.js';
import { interleavedStepOverhead, pairedRatio, stepOverhead, type OverheadRun } from './workloads/step-overhead.js';
import { shapes, throughput } from './workloads/throughput.js';

const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));

interface Plan {
  repetitions: number;
  rawSamples: number;
  overheadExecutions: number;
  /** Executions per variant in each interleaved tracing comparison. */
  tracingExecutions: number;
  scale: number;
  workerCounts: number[];
  rss: [number, number];
  listStored: number;
  listRequests: number;
  dbosWorkflows: number;
  dbosInFlight: number[];
  chainSteps: number;
  metricsStored: number;
  metricsRequests: number;
  /** Branches of one parallel step, and iterations of one loop, each in an execution of its own. */
  executionSizes: number[];
}

const FULL: Plan = {
  repetitions: 3,
  rawSamples: 300,
  overheadExecutions: 10,
  tracingExecutions: 40,
  scale: 1,
  workerCounts: [1, 2, 4],
  rss: [1_000, 10_000],
  listStored: 100_000,
  listRequests: 30,
  dbosWorkflows: 200,
  dbosInFlight: [10, 50],
  chainSteps: 10_000,
  metricsStored: 1_000_000,
  metricsRequests: 30,
  executionSizes: [1_000, 10_000, 100_000],
};
/** Enough to prove the harness works end to end, in well under a minute. */
const SMOKE: Plan = {
  repetitions: 1,
  rawSamples: 20,
  overheadExecutions: 2,
  tracingExecutions: 4,
  scale: 0.02,
  workerCounts: [1],
  rss: [10, 20],
  listStored: 2_000,
  listRequests: 3,
  dbosWorkflows: 10,
  dbosInFlight: [5],
  chainSteps: 200,
  metricsStored: 5_000,
  metricsRequests: 3,
  executionSizes: [20, 100],
};

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function main(): Promise<void> {
  const smoke = process.argv.includes('--smoke');
  const plan = smoke ? SMOKE : FULL;
  if (process.argv.includes('--only=metrics')) {
    // The metrics-query row alone (seeding 1,000,000 executions takes minutes): printed, no results written.
    const m = await metricsLatency(plan.metricsStored, plan.metricsRequests, log);
    log(
      `metrics with ${plan.metricsStored} stored: getWorkflowMetrics p50 ${percentile(m.workflowMetricsMs, 50).toFixed(1)} ms p95 ${percentile(m.workflowMetricsMs, 95).toFixed(1)} ms; getStepMetrics p50 ${percentile(m.stepMetricsMs, 50).toFixed(1)} ms p95 ${percentile(m.stepMetricsMs, 95).toFixed(1)} ms (seeded in ${(m.seedMs / 1000).toFixed(0)} s, folded in ${(m.foldMs / 1000).toFixed(0)} s)`,
    );
    return;
  }
  if (process.argv.includes('--only=scale')) {
    // The execution-size rows alone: printed with their targets, no results written.
    const rows = await scaleRows(plan);
    for (const r of rows) log(scaleLine(r));
    for (const t of scaleTargets(rows)) log(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.actual}`);
    return;
  }
  const outDir = smoke ? `${BENCH_DIR}.runs/smoke/` : BENCH_DIR;
  await mkdir(outDir, { recursive: true });
  const [databaseUrl, redisUrl] = await Promise.all([testDatabaseServerUrl(), testRedisServerUrl()]);

  log('raw BullMQ round trip');
  const raw = [];
  for (let r = 0; r < plan.repetitions; r++) raw.push(percentile(await rawBullmqRoundTrips(plan.rawSamples, Math.ceil(plan.rawSamples / 6)), 50));

  log('per-step overhead');
  const overheads = [];
  for (let r = 0; r < plan.repetitions; r++) overheads.push(await stepOverhead(plan.overheadExecutions));
  // What tracing costs is a ratio of a few percent, below what separate runs on this machine can
  // tell apart: an untraced, a traced and a 10%-sampled cluster run side by side, their executions
  // alternating (`interleavedStepOverhead`), each ratio is taken within a repetition, and the
  // repetitions rotate the variants' places, whose bias their geometric mean cancels.
  log('per-step overhead with tracing, alongside an untraced cluster');
  const alongside: OverheadRun[] = [];
  const tracedOverheads: OverheadRun[] = [];
  const sampledOverheads: OverheadRun[] = [];
  for (let r = 0; r < plan.repetitions; r++) {
    const [untraced, traced, sampled] = await interleavedStepOverhead(
      [{ name: 'untraced' }, { name: 'traced', traced: true }, { name: 'traced, 10% sampled', traced: true, sampleRatio: 0.1 }],
      plan.tracingExecutions,
      20,
      r,
    );
    alongside.push(untraced!);
    tracedOverheads.push(traced!);
    sampledOverheads.push(sampled!);
  }
  const ratioToUntraced = (runs: OverheadRun[]) => pairedRatio(runs.map((run, r) => run.medianMs / alongside[r]!.medianMs));

  const rows: ThroughputRow[] = [];
  for (const shape of shapes(plan.scale)) {
    const configs = plan.workerCounts.map((workers) => ({ workers, coordinators: 1 }));
    if (shape.name === 'linear10x200') configs.push({ workers: Math.max(...plan.workerCounts), coordinators: 2 });
    for (const config of configs) {
      log(`throughput ${shape.name}: ${config.workers} worker(s), ${config.coordinators} coordinator(s)`);
      const runs = await throughput(shape, { ...config, repetitions: plan.repetitions });
      const components = Object.keys(runs[0]!.cpuMsPerStep);
      const cpuMsPerStep = Object.fromEntries(
        components.map((c) => [
          c,
          percentile(
            runs.map((r) => r.cpuMsPerStep[c] ?? 0),
            50,
          ),
        ]),
      );
      rows.push({
        shape: shape.name,
        ...config,
        stepsPerSec: summarize(runs.map((r) => r.stepsPerSec)),
        executionsPerSec: summarize(runs.map((r) => r.executionsPerSec)),
        cpuMsPerStep,
      });
    }
  }

  log('coordinator CPU profile under workload (a)');
  const profileDir = `${BENCH_DIR}.runs/profile-${Date.now()}`;
  await throughput(shapes(plan.scale)[0]!, { workers: 2, coordinators: 1, repetitions: 1, profileDir });
  let profile: ProfileSummary | null = null;
  try {
    profile = await summarizeProfile(profileDir);
  } catch (error) {
    log(`no profile: ${(error as Error).message}`);
  }
  await rm(profileDir, { recursive: true, force: true });

  log(`coordinator RSS with ${plan.rss[0]} and ${plan.rss[1]} executions in flight`);
  const rss = await coordinatorRss(plan.rss[0], plan.rss[1]);

  log(`list-executions with ${plan.listStored} stored`);
  const lists = [];
  for (let r = 0; r < plan.repetitions; r++) lists.push(await listLatency(plan.listStored, plan.listRequests));

  log(`metrics queries with ${plan.metricsStored} executions stored`);
  const metricRuns = [];
  for (let r = 0; r < Math.min(plan.repetitions, 1); r++) metricRuns.push(await metricsLatency(plan.metricsStored, plan.metricsRequests, log));

  log(`a chain of ${plan.chainSteps} conditions`);
  const chains = [];
  for (let r = 0; r < plan.repetitions; r++) chains.push(await conditionChain(plan.chainSteps));
  const controlScale: BenchReport['controlScale'] = {
    steps: plan.chainSteps,
    registerMs: summarize(chains.map((c) => c.registerMs)),
    registerLoopLagMs: summarize(chains.map((c) => c.registerLoopLagMs)),
    startMs: summarize(chains.map((c) => c.startMs)),
    completeMs: summarize(chains.map((c) => c.completeMs)),
    runLoopLagMs: summarize(chains.map((c) => c.runLoopLagMs)),
    slowestHealthMs: summarize(chains.map((c) => c.slowestHealthMs)),
  };

  const executionScale = await scaleRows(plan);

  const peer: BenchReport['peer'] = [];
  for (const inFlight of plan.dbosInFlight) {
    log(`DBOS Transact, ${inFlight} in flight`);
    const runs = [];
    for (let r = 0; r < plan.repetitions; r++)
      runs.push(await runDbos({ databaseUrl, workflows: plan.dbosWorkflows, steps: 10, inFlight, warmup: Math.ceil(plan.dbosWorkflows / 10) }));
    peer.push({ inFlight, version: runs[0]!.version, stepsPerSec: summarize(runs.map((r) => r.stepsPerSec)) });
  }

  const report: BenchReport = {
    mode: smoke ? 'smoke' : 'full',
    date: new Date().toISOString(),
    command: smoke ? 'pnpm bench -- --smoke' : 'pnpm bench',
    machine: await machineInfo(databaseUrl, redisUrl),
    versions: await versions(),
    rawBullmq: summarize(raw),
    overhead: {
      median: summarize(overheads.map((o) => o.medianMs)),
      p90: summarize(overheads.map((o) => o.p90Ms)),
      p99: summarize(overheads.map((o) => o.p99Ms)),
      samplesPerRun: overheads[0]!.samples,
    },
    overheadAlongside: { median: summarize(alongside.map((o) => o.medianMs)), samplesPerRun: alongside[0]!.samples },
    overheadTraced: {
      median: summarize(tracedOverheads.map((o) => o.medianMs)),
      p90: summarize(tracedOverheads.map((o) => o.p90Ms)),
      p99: summarize(tracedOverheads.map((o) => o.p99Ms)),
      samplesPerRun: tracedOverheads[0]!.samples,
      pairedRatio: ratioToUntraced(tracedOverheads),
    },
    overheadSampled: {
      median: summarize(sampledOverheads.map((o) => o.medianMs)),
      p90: summarize(sampledOverheads.map((o) => o.p90Ms)),
      p99: summarize(sampledOverheads.map((o) => o.p99Ms)),
      samplesPerRun: sampledOverheads[0]!.samples,
      pairedRatio: ratioToUntraced(sampledOverheads),
    },
    throughput: rows,
    rss: { ...rss, small: plan.rss[0], large: plan.rss[1] },
    list: {
      stored: plan.listStored,
      byStatus: summarize(lists.map((l) => percentile(l.byStatusMs, 50))),
      byWorkflowAndStatus: summarize(lists.map((l) => percentile(l.byWorkflowAndStatusMs, 50))),
      nextPage: summarize(lists.map((l) => percentile(l.nextPageMs, 50))),
    },
    metrics: {
      stored: plan.metricsStored,
      workflowMetrics: summarize(metricRuns.map((m) => percentile(m.workflowMetricsMs, 50))),
      stepMetrics: summarize(metricRuns.map((m) => percentile(m.stepMetricsMs, 50))),
    },
    peer,
    controlScale,
    executionScale,
    profile,
    analysis: await readFile(`${BENCH_DIR}analysis.md`, 'utf8').catch(() => '(no analysis written yet)'),
  };
  await writeFile(`${outDir}results.json`, `${JSON.stringify(resultsJson(report), null, 2)}\n`);
  await writeFile(`${outDir}RESULTS.md`, resultsMarkdown(report));
  for (const t of targets(report)) log(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.actual}`);
  log(`wrote ${outDir}RESULTS.md and ${outDir}results.json`);
}

/** One execution per shape and size, smallest first: the per-step cost as executions grow. */
async function scaleRows(plan: Plan): Promise<ExecutionScaleRun[]> {
  const runs = (['parallel', 'loop'] as const).flatMap((shape) => plan.executionSizes.map((size) => ({ shape, size })));
  log(`one execution each: ${runs.map((r) => `${r.shape} ${r.size}`).join(', ')}`);
  return executionScale(runs);
}

function scaleLine(r: ExecutionScaleRun): string {
  return `${r.shape} ${r.size}: ${(r.wallMs / 1000).toFixed(1)} s, ${r.stepsPerSec.toFixed(0)} steps/s, coordinator ${r.coordinatorCpuMsPerStep.toFixed(3)} ms CPU/step, ${r.walBytesPerStep.toFixed(0)} WAL bytes/step, RSS registering ${r.registerRssMb.toFixed(0)} MB, running ${r.peakRssMb.toFixed(0)} MB`;
}

/** Versions of the libraries on the hot path, read from the packages that depend on them. */
async function versions(): Promise<Record<string, string>> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const version = async (pkg: string, from: string) => {
    try {
      return (JSON.parse(await readFile(`${root}${from}/node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;
    } catch {
      return '?';
    }
  };
  return {
    bullmq: await version('bullmq', 'packages/queue'),
    ioredis: await version('ioredis', 'packages/queue'),
    pg: await version('pg', 'packages/store'),
    'drizzle-orm': await version('drizzle-orm', 'packages/store'),
    'isolated-vm': await version('isolated-vm', 'packages/sandbox'),
    fastify: await version('fastify', 'apps/coordinator'),
  };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
