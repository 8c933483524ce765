/**
 * Command-line options of the DBOS runner: one JSON object as the first argument,
 * e.g. `{"databaseUrl":"postgres://postgres@127.0.0.1:5432/test","workflows":200,"steps":10,"inFlight":10,"warmup":20}`.
 */
export interface DbosRunOptions {
  /** Any database on the target server; the runner derives its own system database from it. */
  readonly databaseUrl: string;
  /** Measured workflows. */
  readonly workflows: number;
  /** Sequential no-op steps per workflow. */
  readonly steps: number;
  /** Workflows kept in flight at once. */
  readonly inFlight: number;
  /** Unmeasured workflows run first (connection pools, JIT, Postgres caches). */
  readonly warmup: number;
}

/** Parses and validates the JSON argument; throws with a one-line message on bad input. */
export function parseOptions(raw: string | undefined): DbosRunOptions {
  if (raw === undefined) throw new Error("usage: main.js '<json options>'");
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new Error(`options are not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('options must be a JSON object');
  }
  const o = value as Record<string, unknown>;
  const databaseUrl = o['databaseUrl'];
  if (typeof databaseUrl !== 'string' || databaseUrl === '') {
    throw new Error('options.databaseUrl must be a non-empty string');
  }
  return {
    databaseUrl,
    workflows: integer(o, 'workflows', 1),
    steps: integer(o, 'steps', 0),
    inFlight: integer(o, 'inFlight', 1),
    warmup: integer(o, 'warmup', 0, 0),
  };
}

function integer(o: Record<string, unknown>, key: string, min: number, fallback?: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new Error(`options.${key} must be an integer >= ${min}`);
  }
  return v;
}
