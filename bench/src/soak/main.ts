import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseSoakOptions } from './soak-options.js';
import { judge, renderReport } from './soak-report.js';
import { abortSoak, runSoak } from './soak-run.js';

const log = (message: string) => process.stderr.write(`[soak] ${new Date().toISOString().slice(11, 19)} ${message}\n`);

/** The commit measured; the report file itself (the last run's, about to be replaced) does not make it dirty. */
function commitOf(out: string | undefined): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'])
      .toString()
      .split('\n')
      .filter((line) => line.trim() !== '');
    const dirty = changed.some((line) => out === undefined || !resolve(line.slice(3)).endsWith(resolve(out)));
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'an unknown commit';
  }
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseSoakOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the soak's processes and servers`);
      void abortSoak().finally(() => process.exit(130));
    });
  }
  const result = await runSoak(options, log);
  const verdict = judge(result);
  const report = renderReport(result, verdict, commitOf(options.out));
  process.stdout.write(report);
  // pnpm runs scripts from the repository root; a relative --out is taken from where the user stood.
  if (options.out) await writeFile(resolve(process.env['INIT_CWD'] ?? process.cwd(), options.out), report);
  process.exitCode = verdict.passed ? 0 : 1;
}

await main();
