/**
 * DBOS Transact runner for the benchmark harness, spawned as
 * `node bench/dist/dbos/main.js '<json options>'` (see {@link DbosRunOptions}).
 * Prints one JSON result line on stdout and exits 0, or one line on stderr and exits 1.
 */
import { randomUUID } from 'node:crypto';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { ensureDatabase, SYSTEM_DATABASE_NAME, systemDatabaseUrl } from './database.js';
import { stderrLogger } from './logger.js';
import { parseOptions, type DbosRunOptions } from './options.js';
import { runClosedLoop } from './pool.js';
import { reserveStdout } from './stdout.js';
import { dbosSdkVersion } from './version.js';
import { runOne } from './workflow.js';

/** Shape of the result line the harness reads. */
export interface DbosRunResult {
  engine: 'dbos';
  version: string;
  workflows: number;
  steps: number;
  inFlight: number;
  durationMs: number;
  stepsPerSec: number;
  workflowsPerSec: number;
}

async function run(options: DbosRunOptions): Promise<DbosRunResult> {
  const version = dbosSdkVersion();
  await ensureDatabase(options.databaseUrl, SYSTEM_DATABASE_NAME);
  DBOS.setConfig({
    name: 'af-bench',
    systemDatabaseUrl: systemDatabaseUrl(options.databaseUrl),
    logger: stderrLogger,
    // A fresh executor id per run: launch() recovers PENDING workflows of its own
    // executor id, so with the default ("local") the leftovers of a killed run
    // would be re-executed inside this run's measured window.
    executorID: `af-bench-${randomUUID()}`,
  });
  await DBOS.launch();
  try {
    const task = (): Promise<void> => runOne(options.steps);
    await runClosedLoop(options.warmup, options.inFlight, task);
    const durationMs = await runClosedLoop(options.workflows, options.inFlight, task);
    const seconds = durationMs / 1000;
    return {
      engine: 'dbos',
      version,
      workflows: options.workflows,
      steps: options.steps,
      inFlight: options.inFlight,
      durationMs: round(durationMs),
      stepsPerSec: round((options.workflows * options.steps) / seconds),
      workflowsPerSec: round(options.workflows / seconds),
    };
  } finally {
    // Closes DBOS's pools and LISTEN connection so the process can exit by itself.
    await DBOS.shutdown();
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

async function main(): Promise<void> {
  const print = reserveStdout();
  try {
    const result = await run(parseOptions(process.argv[2]));
    print(JSON.stringify(result));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`dbos runner failed: ${message.replace(/\s+/g, ' ')}\n`);
    // Failure may leave handles (pools, timers) open; do not hang the harness.
    process.exit(1);
  }
}

await main();
