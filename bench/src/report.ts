import type { MachineInfo } from './machine.js';
import type { ProfileSummary } from './profile.js';
import { fmt, round, type Summary } from './stats.js';
import type { ExecutionScaleRun } from './workloads/execution-scale.js';

export interface ThroughputRow {
  shape: string;
  workers: number;
  coordinators: number;
  stepsPerSec: Summary;
  executionsPerSec: Summary;
  /** Median over runs of the CPU milliseconds each component spent per step. */
  cpuMsPerStep: Record<string, number>;
}

export interface TracedOverhead {
  median: Summary;
  p90: Summary;
  p99: Summary;
  samplesPerRun: number;
  /** Absent in reports older than the interleaved measurement: the ratio of medians of separate runs stands in. */
  pairedRatio?: number;
}

export interface BenchReport {
  mode: 'full' | 'smoke';
  date: string;
  command: string;
  machine: MachineInfo;
  versions: Record<string, string>;
  rawBullmq: Summary;
  overhead: { median: Summary; p90: Summary; p99: Summary; samplesPerRun: number };
  /** Untraced, measured alongside the traced variants (`interleavedStepOverhead`): what their ratios are taken against. */
  overheadAlongside?: { median: Summary; samplesPerRun: number };
  /**
   * The same workload with traces exported by every process (OTEL_EXPORTER_OTLP_ENDPOINT to a local
   * sink); `pairedRatio` is the geometric mean over repetitions (the variants' places rotated) of its
   * median ÷ the untraced one alongside.
   */
  overheadTraced?: TracedOverhead;
  /** Tracing on, 10% of executions sampled (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`). */
  overheadSampled?: TracedOverhead;
  throughput: ThroughputRow[];
  rss: { idleMb: number; smallMb: number; largeMb: number; small: number; large: number };
  list: { stored: number; byStatus: Summary; byWorkflowAndStatus: Summary; nextPage: Summary };
  /** `getWorkflowMetrics` and `getStepMetrics` over the last 24 hours with `stored` executions settled in them. */
  metrics: { stored: number; workflowMetrics: Summary; stepMetrics: Summary };
  peer: { inFlight: number; stepsPerSec: Summary; version: string }[];
  /** A long chain of conditions: registering and running it, and the coordinator's event-loop delay meanwhile. */
  controlScale: {
    steps: number;
    registerMs: Summary;
    registerLoopLagMs: Summary;
    startMs: Summary;
    completeMs: Summary;
    runLoopLagMs: Summary;
    slowestHealthMs: Summary;
  };
  /** One execution per shape and size (a parallel of N branches, a loop of N iterations), alone on the cluster. */
  executionScale: ExecutionScaleRun[];
  profile: ProfileSummary | null;
  analysis: string;
}

export interface Target {
  name: string;
  target: string;
  actual: string;
  met: boolean;
}

export function best(rows: ThroughputRow[], shape: string, coordinators = 1): ThroughputRow {
  return rows.filter((r) => r.shape === shape && r.coordinators === coordinators).sort((a, b) => b.stepsPerSec.median - a.stepsPerSec.median)[0]!;
}

export function targets(report: BenchReport): Target[] {
  const ratio = report.overhead.median.median / report.rawBullmq.median;
  const linear = best(report.throughput, 'linear10x200');
  const dbosBest = Math.max(...report.peer.map((p) => p.stepsPerSec.median));
  const list = report.list.byStatus.median;
  return [
    {
      name: 'per-step overhead median ≤ 4× raw BullMQ round trip',
      target: '≤ 4.0×',
      actual: `${ratio.toFixed(2)}× (${report.overhead.median.median.toFixed(2)} ms vs ${report.rawBullmq.median.toFixed(2)} ms)`,
      met: ratio <= 4,
    },
    { name: 'per-step overhead p99 ≤ 15 ms', target: '≤ 15 ms', actual: `${report.overhead.p99.median.toFixed(2)} ms`, met: report.overhead.p99.median <= 15 },
    ...tracingTargets(report),
    {
      name: 'workload (a) steps/s ≥ DBOS best',
      target: `≥ ${dbosBest.toFixed(0)} steps/s`,
      actual: `${linear.stepsPerSec.median.toFixed(0)} steps/s (${(linear.stepsPerSec.median / dbosBest).toFixed(2)}×, ${linear.workers} worker processes)`,
      met: linear.stepsPerSec.median >= dbosBest,
    },
    {
      name: `coordinator RSS at ${report.rss.large} in flight ≤ 2× at ${report.rss.small}`,
      target: '≤ 2.0×',
      actual: `${(report.rss.largeMb / report.rss.smallMb).toFixed(2)}× (${report.rss.largeMb.toFixed(0)} MiB vs ${report.rss.smallMb.toFixed(0)} MiB)`,
      met: report.rss.largeMb <= 2 * report.rss.smallMb,
    },
    { name: `list-executions ≤ 50 ms at ${report.list.stored} stored`, target: '≤ 50 ms', actual: `${list.toFixed(2)} ms`, met: list <= 50 },
    {
      name: `getWorkflowMetrics (24 h) ≤ 100 ms at ${report.metrics.stored} stored`,
      target: '≤ 100 ms',
      actual: `${report.metrics.workflowMetrics.median.toFixed(2)} ms`,
      met: report.metrics.workflowMetrics.median <= 100,
    },
    {
      name: `getStepMetrics (24 h) ≤ 100 ms at ${report.metrics.stored} stored`,
      target: '≤ 100 ms',
      actual: `${report.metrics.stepMetrics.median.toFixed(2)} ms`,
      met: report.metrics.stepMetrics.median <= 100,
    },
    ...controlTargets(report),
    ...scaleTargets(report.executionScale),
  ];
}

/** Issue 14: with traces exported, the per-step overhead grows by at most 5%. */
function tracingTargets(report: BenchReport): Target[] {
  if (!report.overheadTraced) return [];
  const targets: Target[] = [tracingTarget('per-step overhead median with tracing on ≤ 1.05× without', report.overheadTraced, report)];
  if (report.overheadSampled)
    targets.push(tracingTarget('per-step overhead median with tracing on, 10% sampled, ≤ 1.05× without', report.overheadSampled, report));
  return targets;
}

function tracingTarget(name: string, traced: TracedOverhead, report: BenchReport): Target {
  const untraced = (report.overheadAlongside ?? report.overhead).median.median;
  const ratio = tracedRatio(traced, report);
  return {
    name,
    target: '≤ 1.05×',
    actual: `${ratio.toFixed(2)}× (${traced.median.median.toFixed(2)} ms vs ${untraced.toFixed(2)} ms${traced.pairedRatio === undefined ? '' : ' alongside; geometric mean of paired ratios, places rotated'})`,
    met: ratio <= 1.05,
  };
}

function tracedRatio(traced: TracedOverhead, report: BenchReport): number {
  return traced.pairedRatio ?? traced.median.median / report.overhead.median.median;
}

/**
 * Per-step cost independent of the execution's size: for each shape, steps/s at the middle size at
 * least 80% of the smallest's, and coordinator CPU per step at the largest within 1.5× the smallest's.
 */
export function scaleTargets(rows: readonly ExecutionScaleRun[]): Target[] {
  const targets: Target[] = [];
  for (const shape of ['parallel', 'loop'] as const) {
    const sized = rows.filter((r) => r.shape === shape).sort((a, b) => a.size - b.size);
    if (sized.length < 2) continue;
    const [small, middle, large] = [sized[0]!, sized[1]!, sized.at(-1)!];
    const name = shape === 'parallel' ? 'branches' : 'iterations';
    const rate = middle.stepsPerSec / small.stepsPerSec;
    targets.push({
      name: `${shape}: steps/s at ${middle.size} ${name} ≥ 80% of steps/s at ${small.size}`,
      target: '≥ 0.80×',
      actual: `${rate.toFixed(2)}× (${middle.stepsPerSec.toFixed(0)} vs ${small.stepsPerSec.toFixed(0)} steps/s)`,
      met: rate >= 0.8,
    });
    const cpu = large.coordinatorCpuMsPerStep / small.coordinatorCpuMsPerStep;
    targets.push({
      name: `${shape}: coordinator CPU per step at ${large.size} ${name} ≤ 1.5× that at ${small.size}`,
      target: '≤ 1.5×',
      actual: `${cpu.toFixed(2)}× (${large.coordinatorCpuMsPerStep.toFixed(3)} vs ${small.coordinatorCpuMsPerStep.toFixed(3)} ms)`,
      met: cpu <= 1.5,
    });
  }
  return targets;
}

function controlTargets(report: BenchReport): Target[] {
  const c = report.controlScale;
  const lag = Math.max(c.registerLoopLagMs.median, c.runLoopLagMs.median);
  return [
    {
      name: `registering a ${c.steps}-step definition ≤ 2 s`,
      target: '≤ 2000 ms',
      actual: `${c.registerMs.median.toFixed(0)} ms`,
      met: c.registerMs.median <= 2000,
    },
    {
      name: `a chain of ${c.steps} conditions, start to completion, ≤ 2 s`,
      target: '≤ 2000 ms',
      actual: `${c.completeMs.median.toFixed(0)} ms (the start answered in ${c.startMs.median.toFixed(0)} ms)`,
      met: c.completeMs.median <= 2000,
    },
    {
      name: 'coordinator event loop never blocked > 100 ms meanwhile',
      target: '≤ 100 ms',
      actual: `${lag.toFixed(0)} ms (registering ${c.registerLoopLagMs.median.toFixed(0)}, running ${c.runLoopLagMs.median.toFixed(0)})`,
      met: lag <= 100,
    },
  ];
}

/** The machine-readable results; the keys the issue names, plus the detail. */
export function resultsJson(report: BenchReport): Record<string, unknown> {
  return {
    date: report.date,
    mode: report.mode,
    machine: report.machine,
    rawBullmqRoundTripMedianMs: round(report.rawBullmq.median, 3),
    stepOverheadMedianMs: round(report.overhead.median.median, 3),
    stepOverheadP90Ms: round(report.overhead.p90.median, 3),
    stepOverheadP99Ms: round(report.overhead.p99.median, 3),
    ...(report.overheadTraced ? { stepOverheadTracedMedianMs: round(report.overheadTraced.median.median, 3) } : {}),
    ...(report.overheadSampled ? { stepOverheadSampledMedianMs: round(report.overheadSampled.median.median, 3) } : {}),
    linear10StepsPerSec: round(best(report.throughput, 'linear10x200').stepsPerSec.median, 1),
    linear10StepsPerSecTwoCoordinators: round(best(report.throughput, 'linear10x200', 2)?.stepsPerSec.median ?? Number.NaN, 1),
    fanout1000StepsPerSec: round(best(report.throughput, 'fanout1000').stepsPerSec.median, 1),
    single1000ExecutionsPerSec: round(best(report.throughput, 'single1000').executionsPerSec.median, 1),
    dbosBestStepsPerSec: round(Math.max(...report.peer.map((p) => p.stepsPerSec.median)), 1),
    conditionChainSteps: report.controlScale.steps,
    conditionChainRegisterMs: round(report.controlScale.registerMs.median, 1),
    conditionChainCompleteMs: round(report.controlScale.completeMs.median, 1),
    conditionChainMaxLoopLagMs: round(Math.max(report.controlScale.registerLoopLagMs.median, report.controlScale.runLoopLagMs.median), 1),
    coordinatorRssMb1k: round(report.rss.smallMb, 1),
    coordinatorRssMb10k: round(report.rss.largeMb, 1),
    listExecutions100kMs: round(report.list.byStatus.median, 3),
    workflowMetrics1mMs: round(report.metrics.workflowMetrics.median, 3),
    stepMetrics1mMs: round(report.metrics.stepMetrics.median, 3),
    targets: targets(report),
    detail: {
      throughput: report.throughput,
      overhead: report.overhead,
      overheadTraced: report.overheadTraced,
      overheadSampled: report.overheadSampled,
      rawBullmq: report.rawBullmq,
      peer: report.peer,
      list: report.list,
      metrics: report.metrics,
      rss: report.rss,
      executionScale: report.executionScale,
      profile: report.profile,
    },
  };
}

export function resultsMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push(
    `Run ${report.date} (${report.mode}) with \`${report.command}\`. Every figure is the median over repeated runs, with [min–max] across runs; ratios compare numbers measured in the same run. PostgreSQL, Redis, the coordinator(s) and the workers all share this one machine.`,
    '',
  );
  lines.push('## Machine', '');
  lines.push(`- ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GiB; ${m.os}`);
  lines.push(`- Node.js ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}`);
  lines.push(
    `- ${Object.entries(report.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
  );
  lines.push('## Targets', '', '| target | wanted | measured | met |', '| --- | --- | --- | --- |');
  for (const t of targets(report)) lines.push(`| ${t.name} | ${t.target} | ${t.actual} | ${t.met ? 'yes' : '**no**'} |`);
  lines.push('', '## Per-step overhead', '');
  lines.push(
    'A 20-step chain of no-op script steps, one execution at a time: from a step finishing on a worker to the next starting on a worker (worker timestamps).',
    '',
  );
  lines.push('| measure | ms |', '| --- | --- |');
  lines.push(`| raw BullMQ round trip (add → completed, worker in another process) | ${fmt(report.rawBullmq, 3)} |`);
  lines.push(`| per-step overhead, median | ${fmt(report.overhead.median, 3)} |`);
  lines.push(`| per-step overhead, p90 | ${fmt(report.overhead.p90, 3)} |`);
  lines.push(`| per-step overhead, p99 | ${fmt(report.overhead.p99, 3)} |`);
  lines.push(`| overhead ÷ raw round trip | ${(report.overhead.median.median / report.rawBullmq.median).toFixed(2)}× |`);
  if (report.overheadAlongside)
    lines.push(`| per-step overhead, untraced, alongside the traced clusters, median | ${fmt(report.overheadAlongside.median, 3)} |`);
  if (report.overheadTraced) {
    lines.push(`| per-step overhead, traces exported, median | ${fmt(report.overheadTraced.median, 3)} |`);
    lines.push(`| per-step overhead, traces exported, p99 | ${fmt(report.overheadTraced.p99, 3)} |`);
    lines.push(`| traced ÷ untraced | ${tracedRatio(report.overheadTraced, report).toFixed(2)}× |`);
  }
  if (report.overheadSampled) {
    lines.push(`| per-step overhead, traces exported, 10% sampled, median | ${fmt(report.overheadSampled.median, 3)} |`);
    lines.push(`| 10% sampled ÷ untraced | ${tracedRatio(report.overheadSampled, report).toFixed(2)}× |`);
  }
  lines.push('', `(${report.overhead.samplesPerRun} step gaps per run.)`, '');
  if (report.overheadAlongside) {
    lines.push(
      `The traced rows come from clusters run side by side with an untraced one, their executions alternating one by one (${report.overheadAlongside.samplesPerRun} step gaps per cluster and repetition); each ratio is the geometric mean over repetitions of the traced median ÷ the untraced median of the same repetition. Each repetition rotates the clusters' places (which starts first, which runs first in each turn), since a place may bias its figures by a few percent; the mean cancels such a bias.`,
      '',
    );
  }
  lines.push('## Throughput', '');
  lines.push(
    'All executions started at once through the API, timed until the last one completed. (a) 200 executions of a 10-step chain; (b) one execution of a parallel step with 1,000 branches; (c) 1,000 single-step executions. Worker processes consume `script` with concurrency 4 each.',
    '',
  );
  lines.push('| workload | worker processes | coordinators | steps/s | executions/s |', '| --- | --- | --- | --- | --- |');
  for (const r of report.throughput) lines.push(`| ${r.shape} | ${r.workers} | ${r.coordinators} | ${fmt(r.stepsPerSec, 0)} | ${fmt(r.executionsPerSec, 1)} |`);
  const components = ['coordinator', 'workers', 'sandboxes', 'postgres', 'redis', 'bench'];
  lines.push(
    '',
    'CPU time per step, by process (from /proc; `sandboxes` are the processes the workers and coordinators run scripts and expressions in; `bench` is this harness: API calls and polling; `postgres` sums the server processes alive at both ends of a run, so a connection opened and closed within it is missed):',
    '',
  );
  lines.push(
    `| workload | worker processes | coordinators | ${components.join(' | ')} | total |`,
    `| --- | --- | --- | ${components.map(() => '---').join(' | ')} | --- |`,
  );
  for (const r of report.throughput) {
    const total = components.reduce((sum, c) => sum + (r.cpuMsPerStep[c] ?? 0), 0);
    lines.push(
      `| ${r.shape} | ${r.workers} | ${r.coordinators} | ${components.map((c) => `${(r.cpuMsPerStep[c] ?? 0).toFixed(3)} ms`).join(' | ')} | ${total.toFixed(3)} ms |`,
    );
  }
  lines.push('', '## A long chain of conditions', '');
  lines.push(
    `A definition of ${report.controlScale.steps} condition steps, each leading to the next (\`variables.n > k\`), registered and run on one coordinator with no worker. The event-loop delay is measured inside the coordinator (\`monitorEventLoopDelay\`, loaded with \`--import bench/dist/loop-lag-probe.js\`): the longest stretch it could not answer anything.`,
    '',
  );
  lines.push('| measure | ms |', '| --- | --- |');
  lines.push(`| register the definition (POST until answered) | ${fmt(report.controlScale.registerMs, 0)} |`);
  lines.push(`| longest event-loop delay while registering | ${fmt(report.controlScale.registerLoopLagMs, 0)} |`);
  lines.push(`| start an execution (POST until answered) | ${fmt(report.controlScale.startMs, 0)} |`);
  lines.push(`| start until the execution completed | ${fmt(report.controlScale.completeMs, 0)} |`);
  lines.push(`| longest event-loop delay while it ran | ${fmt(report.controlScale.runLoopLagMs, 0)} |`);
  lines.push(`| slowest \`GET /healthz\` (asked every 20 ms throughout) | ${fmt(report.controlScale.slowestHealthMs, 0)} |`);
  lines.push('', '## One large execution', '');
  lines.push(
    'One execution at a time, alone on one coordinator and one script worker (concurrency 4): a parallel step of N no-op script branches, or a loop of N no-op iterations. WAL bytes are what PostgreSQL wrote for the run, divided by its steps.',
    '',
  );
  lines.push(
    '| shape | size | wall | steps/s | coordinator CPU/step | WAL bytes/step | coordinator RSS registering | peak coordinator RSS running |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of report.executionScale)
    lines.push(
      `| ${r.shape} | ${r.size} | ${(r.wallMs / 1000).toFixed(1)} s | ${r.stepsPerSec.toFixed(0)} | ${r.coordinatorCpuMsPerStep.toFixed(3)} ms | ${r.walBytesPerStep.toFixed(0)} | ${r.registerRssMb.toFixed(0)} MB | ${r.peakRssMb.toFixed(0)} MB |`,
    );
  lines.push('', '## Peer: DBOS Transact, same PostgreSQL, same run', '');
  lines.push('The same 10-step workload (200 workflows of 10 no-op steps, every step checkpointed) on DBOS Transact.', '');
  lines.push('| engine | in flight | steps/s |', '| --- | --- | --- |');
  for (const p of report.peer) lines.push(`| DBOS Transact ${p.version} | ${p.inFlight} | ${fmt(p.stepsPerSec, 0)} |`);
  const linear = best(report.throughput, 'linear10x200');
  const dbosBest = Math.max(...report.peer.map((p) => p.stepsPerSec.median));
  lines.push(`| Agentic Flow, workload (a), ${linear.workers} worker processes | 200 | ${fmt(linear.stepsPerSec, 0)} |`);
  lines.push('', `Agentic Flow ÷ DBOS best: **${(linear.stepsPerSec.median / dbosBest).toFixed(2)}×**.`, '');
  lines.push('## Scale', '');
  lines.push(
    `Coordinator RSS with executions in flight (each waiting on a local HTTP server that does not answer): idle ${report.rss.idleMb.toFixed(0)} MiB, ${report.rss.small} in flight ${report.rss.smallMb.toFixed(0)} MiB, ${report.rss.large} in flight ${report.rss.largeMb.toFixed(0)} MiB (${(report.rss.largeMb / report.rss.smallMb).toFixed(2)}×).`,
    '',
  );
  lines.push(
    `List-executions through the API with ${report.list.stored} executions stored (limit 50): by status ${fmt(report.list.byStatus, 2)} ms; by workflow and status ${fmt(report.list.byWorkflowAndStatus, 2)} ms; next page by cursor ${fmt(report.list.nextPage, 2)} ms.`,
    '',
  );
  lines.push(
    `Monitor metrics through the API over the last 24 hours with ${report.metrics.stored} executions (and as many step runs) settled in them: getWorkflowMetrics ${fmt(report.metrics.workflowMetrics, 2)} ms; getStepMetrics ${fmt(report.metrics.stepMetrics, 2)} ms (rollups per hour and minute, see docs/architecture.md, Monitoring).`,
    '',
  );
  if (report.profile) {
    const p = report.profile;
    lines.push("## Where the coordinator's time goes", '');
    lines.push(
      `CPU profile of the coordinator during workload (a) (\`--cpu-prof\`): busy ${(p.busyMs / 1000).toFixed(1)} s of ${(p.totalMs / 1000).toFixed(1)} s sampled.`,
      '',
    );
    lines.push('| component | share of busy time |', '| --- | --- |');
    for (const c of p.categories.slice(0, 14)) lines.push(`| ${c.name} | ${(c.share * 100).toFixed(1)}% |`);
    lines.push('', '| function (self time) | where | share |', '| --- | --- | --- |');
    for (const f of p.functions.slice(0, 12)) lines.push(`| \`${f.name}\` | ${f.where} | ${(f.share * 100).toFixed(1)}% |`);
    lines.push('');
  }
  lines.push('## Analysis', '', report.analysis.trim(), '');
  return lines.join('\n');
}
