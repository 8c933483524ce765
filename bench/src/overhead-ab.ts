import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { percentile } from './stats.js';
import type { BenchCluster } from './bench-cluster.js';
import { interleavedStepOverhead, pairedRatio, stepOverhead, type OverheadRun, type OverheadVariant } from './workloads/step-overhead.js';

/**
 * Per-step overhead of this tree against other checkouts of the repository (built), alternating
 * runs so a machine whose load drifts weighs on all alike:
 *
 *   node bench/dist/overhead-ab.js --before=../older-checkout[,../another] [--rounds=6] [--executions=10] [--mode=both|untraced|traced] [--interleaved]
 *
 * With `--interleaved`, each round starts every variant's cluster at once and alternates single
 * executions between them (`interleavedStepOverhead`): a far steadier comparison on a noisy machine.
 * The rounds rotate the variants' places: give as many rounds as there are variants (or a
 * multiple) for the ratios to be free of a place's bias.
 *
 * Each round runs every tree's measurement: untraced, and (mode `both`, this tree only; mode
 * `traced`, every tree) with traces exported to a local sink. Metrics and the event stream are
 * always on where the tree has them. Prints each run, the median of medians and the coordinator +
 * worker CPU per step against the first variant, and each variant's paired ratio to the first (the
 * geometric mean of the rounds' ratios).
 */
/** What an older tree's measurement returns (CPU figures came later). */
type Measured = Omit<OverheadRun, 'cpuMsPerStep'> & Partial<OverheadRun>;
type Variant = { name: string; run: () => Promise<Measured> };

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

async function main(): Promise<void> {
  const before = arg('before');
  if (!before) throw new Error('--before=<path of another built checkout> is required');
  const rounds = Number(arg('rounds') ?? 6);
  const executions = Number(arg('executions') ?? 10);
  const mode = arg('mode') ?? 'both';
  if (!['both', 'untraced', 'traced'].includes(mode)) throw new Error('--mode is both, untraced or traced');
  type Measure = (executions: number, steps?: number, options?: { traced?: boolean }) => Promise<Measured>;
  const trees: [string, Measure][] = [];
  for (const tree of before.split(',')) {
    const module = pathToFileURL(resolve(tree, 'bench/dist/workloads/step-overhead.js')).href;
    trees.push([tree, ((await import(module)) as { stepOverhead: Measure }).stepOverhead]);
  }
  trees.push(['this tree', stepOverhead]);
  const variants: Variant[] = [];
  for (const [name, measure] of trees) {
    if (mode !== 'traced') variants.push({ name, run: () => measure(executions) });
    // A tree older than traced measurements ignores the option (and would run untraced): only this one is traced unless asked.
    if (mode === 'traced' || (mode === 'both' && measure === stepOverhead))
      variants.push({ name: `${name}, traced`, run: () => measure(executions, 20, { traced: true }) });
  }
  if (mode === 'both') variants.push({ name: 'this tree, traced, 10% sampled', run: () => stepOverhead(executions, 20, { traced: true, sampleRatio: 0.1 }) });
  const medians = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const cpus = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const interleaved = process.argv.includes('--interleaved') ? await interleavedVariants(before.split(','), mode) : undefined;
  for (let round = 0; round < rounds; round++) {
    const together = interleaved ? await interleavedStepOverhead(interleaved, executions, 20, round) : undefined;
    for (const [index, variant] of variants.entries()) {
      const run = together ? together[index]! : await variant.run();
      medians.get(variant.name)!.push(run.medianMs);
      const cpu = run.cpuMsPerStep;
      if (cpu) cpus.get(variant.name)!.push(cpu.coordinator + cpu.workers);
      const cpuText = cpu
        ? `; CPU per step: coordinator ${cpu.coordinator.toFixed(3)} ms, worker ${cpu.workers.toFixed(3)} ms, sandboxes ${cpu.sandboxes.toFixed(3)} ms`
        : '';
      process.stdout.write(
        `round ${round + 1} ${variant.name}: median ${run.medianMs.toFixed(3)} ms, p90 ${run.p90Ms.toFixed(3)} ms, p99 ${run.p99Ms.toFixed(3)} ms (${run.samples} gaps)${cpuText}\n`,
      );
    }
  }
  const base = percentile(medians.get(variants[0]!.name)!, 50);
  const cpuBase = cpus.get(variants[0]!.name)!.length > 0 ? percentile(cpus.get(variants[0]!.name)!, 50) : undefined;
  for (const [name, values] of medians) {
    const median = percentile(values, 50);
    const cpu = cpus.get(name)!;
    const cpuText =
      cpu.length > 0
        ? `; coordinator + worker CPU per step ${percentile(cpu, 50).toFixed(3)} ms${cpuBase ? ` (${((percentile(cpu, 50) / cpuBase - 1) * 100).toFixed(1)}%)` : ''}`
        : '';
    // Each round's ratio to the first variant's run of the same round: drift between rounds cancels.
    const paired = pairedRatio(values.map((v, round) => v / medians.get(variants[0]!.name)![round]!));
    process.stdout.write(
      `${name}: median of medians ${median.toFixed(3)} ms (${((median / base - 1) * 100).toFixed(1)}% against ${variants[0]!.name}; paired ratio ${paired.toFixed(3)}), runs ${values.map((v) => v.toFixed(2)).join(' ')}${cpuText}\n`,
    );
  }
}

/** The variants of an interleaved comparison, in the order `main` lists them: each tree's cluster, started from its own build. */
async function interleavedVariants(trees: string[], mode: string): Promise<OverheadVariant[]> {
  const variants: OverheadVariant[] = [];
  // The same variants, in the same order, as `main`'s list of separate runs.
  const add = (name: string, start: OverheadVariant['start'] | undefined, thisTree: boolean) => {
    const cluster = start ? { start } : {};
    if (mode !== 'traced') variants.push({ name, ...cluster });
    if (mode === 'traced' || (mode === 'both' && thisTree)) variants.push({ name: `${name}, traced`, traced: true, ...cluster });
  };
  for (const tree of trees) {
    const module = pathToFileURL(resolve(tree, 'bench/dist/bench-cluster.js')).href;
    const { BenchCluster: Cluster } = (await import(module)) as { BenchCluster: typeof BenchCluster };
    add(tree, (env) => Cluster.start({ workers: [['script']], coordinatorEnv: env, workerEnv: env }), false);
  }
  add('this tree', undefined, true);
  if (mode === 'both') variants.push({ name: 'this tree, traced, 10% sampled', traced: true, sampleRatio: 0.1 });
  return variants;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
