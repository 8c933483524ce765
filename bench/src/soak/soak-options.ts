import { parseArgs } from 'node:util';

/** What one soak run does: how much work, which faults, where its services live. */
export interface SoakOptions {
  executions: number;
  /** Executions kept in flight at once (submitted, not yet settled). */
  inFlight: number;
  workerKills: number;
  coordinatorKills: number;
  /** Flush Redis once, as soon as at least this many step jobs are waiting or active; 0: no flush. */
  flushAtJobs: number;
  pgRestart: boolean;
  /** Workers' LOCK_DURATION_MS (their STALLED_INTERVAL_MS is half): how soon a dead worker's jobs run elsewhere. */
  workerLockMs: number;
  /** Give up waiting for the last executions after this long. */
  timeoutSeconds: number;
  /** Use these servers instead of private ones the soak starts (and then `pgRestartCommand` restarts PostgreSQL). */
  databaseUrl?: string;
  redisUrl?: string;
  pgRestartCommand?: string;
  /** Where the Markdown report goes; none: printed only. */
  out?: string;
  seed: number;
}

const USAGE = `pnpm soak [options]
  --executions N          executions to run (default 1000)
  --in-flight N           executions in flight at once (default 60)
  --worker-kills N        worker SIGKILLs spread over the run (default 40)
  --coordinator-kills N   coordinator SIGKILLs spread over the run (default 12)
  --flush-at-jobs N       FLUSHALL once, when at least N step jobs are waiting or active (default 50; 0 = no flush)
  --no-pg-restart         do not restart PostgreSQL
  --worker-lock-ms N      workers' LOCK_DURATION_MS, STALLED_INTERVAL_MS is half (default 10000)
  --timeout-seconds N     give up on stragglers after N seconds (default 1800)
  --database-url URL      use this PostgreSQL database (default: a private cluster the soak creates)
  --redis-url URL         use this Redis (default: a private redis-server the soak starts); FLUSHALL flushes it
  --pg-restart-command C  how to restart the PostgreSQL of --database-url
  --out FILE              write the Markdown report here (e.g. bench/SOAK.md)
  --seed N                seed of the fault timing and the target's delays (default 1)`;

/** Parses `argv`, throwing a message that names the bad option and shows the usage. */
export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        executions: { type: 'string' },
        'in-flight': { type: 'string' },
        'worker-kills': { type: 'string' },
        'coordinator-kills': { type: 'string' },
        'flush-at-jobs': { type: 'string' },
        'no-pg-restart': { type: 'boolean' },
        'worker-lock-ms': { type: 'string' },
        'timeout-seconds': { type: 'string' },
        'database-url': { type: 'string' },
        'redis-url': { type: 'string' },
        'pg-restart-command': { type: 'string' },
        out: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (parsed.help) throw new Error(USAGE);
  const count = (name: keyof typeof parsed, fallback: number, min: number): number => {
    const raw = parsed[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (typeof raw !== 'string' || !Number.isInteger(value) || value < min)
      throw new Error(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}\n\n${USAGE}`);
    return value;
  };
  if (parsed['database-url'] !== undefined && parsed['pg-restart-command'] === undefined && !parsed['no-pg-restart']) {
    throw new Error(
      `--database-url needs --pg-restart-command (or --no-pg-restart): the soak cannot guess how to restart someone else's PostgreSQL\n\n${USAGE}`,
    );
  }
  return {
    executions: count('executions', 1000, 1),
    inFlight: count('in-flight', 60, 1),
    workerKills: count('worker-kills', 40, 0),
    coordinatorKills: count('coordinator-kills', 12, 0),
    flushAtJobs: count('flush-at-jobs', 50, 0),
    pgRestart: !parsed['no-pg-restart'],
    workerLockMs: count('worker-lock-ms', 10_000, 2_000),
    timeoutSeconds: count('timeout-seconds', 1800, 10),
    seed: count('seed', 1, 0),
    ...(parsed['database-url'] === undefined ? {} : { databaseUrl: parsed['database-url'] }),
    ...(parsed['redis-url'] === undefined ? {} : { redisUrl: parsed['redis-url'] }),
    ...(parsed['pg-restart-command'] === undefined ? {} : { pgRestartCommand: parsed['pg-restart-command'] }),
    ...(parsed.out === undefined ? {} : { out: parsed.out }),
  };
}
