import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { percentile } from './stats.js';
import { stepOverhead, type OverheadRun } from './workloads/step-overhead.js';

/**
 * Per-step overhead of this tree against another checkout of the repository (built), alternating
 * runs so a machine whose load drifts weighs on both alike:
 *
 *   node bench/dist/overhead-ab.js --before=../checkout-of-an-older-commit [--rounds=6] [--executions=10]
 *
 * Each round runs the other tree's measurement, this tree's untraced, and this tree's with traces
 * exported (metrics and the event stream are always on). Prints each run and the median of medians.
 */
type Variant = { name: string; run: () => Promise<OverheadRun> };

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

async function main(): Promise<void> {
  const before = arg('before');
  if (!before) throw new Error('--before=<path of another built checkout> is required');
  const rounds = Number(arg('rounds') ?? 6);
  const executions = Number(arg('executions') ?? 10);
  const module = pathToFileURL(resolve(before, 'bench/dist/workloads/step-overhead.js')).href;
  const other = (await import(module)) as { stepOverhead: (executions: number) => Promise<OverheadRun> };
  const variants: Variant[] = [
    { name: 'before', run: () => other.stepOverhead(executions) },
    { name: 'after', run: () => stepOverhead(executions) },
    { name: 'after, traced', run: () => stepOverhead(executions, 20, { traced: true }) },
  ];
  const medians = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      const run = await variant.run();
      medians.get(variant.name)!.push(run.medianMs);
      process.stdout.write(`round ${round + 1} ${variant.name}: median ${run.medianMs.toFixed(3)} ms, p90 ${run.p90Ms.toFixed(3)} ms, p99 ${run.p99Ms.toFixed(3)} ms (${run.samples} gaps)\n`);
    }
  }
  const base = percentile(medians.get('before')!, 50);
  for (const [name, values] of medians) {
    const median = percentile(values, 50);
    process.stdout.write(`${name}: median of medians ${median.toFixed(3)} ms (${((median / base - 1) * 100).toFixed(1)}% against before), runs ${values.map((v) => v.toFixed(2)).join(' ')}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
