import { hostname } from 'node:os';
import { isAbsolute } from 'node:path';
import { parseEgressAllowList } from '@agentic-flow/executors';
import type { CircuitBreakerConfig } from '@agentic-flow/queue';
import { z } from 'zod';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** `http=50,script=4` or a single number for every type. */
const concurrencySchema = z.string().transform((text, ctx) => {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { default: Number(trimmed), byType: {} as Record<string, number> };
  const byType: Record<string, number> = {};
  for (const pair of trimmed
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(pair);
    if (!match || Number(match[2]) < 1) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" is not <step-type>=<positive number>` });
      return z.NEVER;
    }
    byType[match[1]!] = Number(match[2]);
  }
  return { default: undefined, byType };
});

export const ConfigSchema = z.object({
  REDIS_URL: z.string().url('must be a redis:// URL').default('redis://127.0.0.1:6379'),
  /** Step types this worker consumes, comma-separated. */
  STEP_TYPES: z
    .string()
    .default('http,script,agent-task')
    .transform((text) => [
      ...new Set(
        text
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]*$/, 'step types are lower-case names like http')).min(1, 'name at least one step type')),
  WORKER_CONCURRENCY: concurrencySchema.optional(),
  WORKER_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  BULLMQ_PREFIX: z.string().min(1).default('af'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** How long SIGTERM waits for running steps before handing them back to the queue. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** BullMQ lock duration: how soon a killed worker's job is handed to another worker. */
  LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30_000),
  STALLED_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Port of the probe and metrics server (`/healthz`, `/readyz`, `/metrics`); unset: none. 0: any free port (logged). */
  HEALTH_PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65_535).optional()),
  /** Address it listens on: loopback unless told otherwise (docker-compose.yml sets 0.0.0.0, as a pod would for the kubelet's probes). */
  HEALTH_HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * This worker's circuit breaker defaults (5, 30000, 3 when unset). The shared Redis hash
   * `<prefix>:circuit-breakers:config` overrides them for every worker at once.
   */
  CIRCUIT_FAILURE_THRESHOLD: z.coerce.number().int().min(1).optional(),
  CIRCUIT_OPEN_TIMEOUT_MS: z.coerce.number().int().min(0).optional(),
  CIRCUIT_HALF_OPEN_MAX_ATTEMPTS: z.coerce.number().int().min(1).optional(),
  /** Sandbox processes of the agents' `run_script` tool, apart from those of `script` steps. */
  AGENT_SCRIPT_PROCESSES: z.coerce.number().int().min(1).default(2),
  /**
   * Caps on what a script may ask for. A job asking more (definitions registered before the caps
   * existed, forged jobs) runs with the cap, and its step's logs say so.
   */
  SCRIPT_MAX_TIMEOUT_MS: z.coerce.number().int().min(1).max(2_147_483_647).default(300_000),
  SCRIPT_MAX_MEMORY_MB: z.coerce.number().int().min(8).default(512),
  /** A step's output plus its variable updates, as UTF-8 JSON, at most; more fails OUTPUT_TOO_LARGE. */
  MAX_OUTPUT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /**
   * Sandbox processes a step's run may crash before it is quarantined (POISON, dead-lettered). A
   * sandbox process runs one step at a time, so each crash has exactly one culprit.
   */
  POISON_THRESHOLD: z.coerce.number().int().min(1).default(3),
  /**
   * Workers that may die while running a step's job before it is quarantined (POISON; BullMQ's
   * stalled count). Higher than POISON_THRESHOLD: a worker runs many jobs at once and dies for many
   * reasons (the OOM killer, a node drained, a deploy), so each death blames every job it held —
   * at 3, a soak killing a worker every 15 s quarantined 15 of 300 healthy executions. Untrusted
   * code runs in sandbox processes, so a job that really kills its host is rare; this bounds it.
   */
  WORKER_DEATH_LIMIT: z.coerce.number().int().min(1).max(1000).default(10),
  /**
   * A mounted secrets directory (a Kubernetes Secret volume): one file per secret, its name the
   * secret's, its content the value (one trailing newline removed). Read at startup (a directory that
   * cannot be read stops the worker) and again on change; it wins over `AF_SECRET_*` on a clash.
   */
  AF_SECRETS_DIR: z.string().min(1, 'must be a directory path').optional(),
  /**
   * Operators' agent tools: comma-separated absolute paths of ES modules, each default-exporting a
   * tool or an array of tools. Loaded at startup by workers that consume `agent-task`.
   */
  AGENT_TOOL_MODULES: z
    .string()
    .default('')
    .transform((text) => [
      ...new Set(
        text
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(z.string().refine(isAbsolute, { message: 'each tool module must be an absolute path' }))),
  /**
   * Destinations that http steps and the agents' http tool may reach although their address is
   * denied (loopback, private, link-local, carrier-grade NAT, reserved…): comma-separated host
   * names, IP addresses and CIDR ranges, each with an optional port — `127.0.0.1:8080,10.0.0.0/8,
   * internal.svc,[::1]:3000`. A name entry matches the URL's host as written, whatever it resolves
   * to; an address or range matches the address connected to. A bad entry stops the worker.
   */
  EGRESS_ALLOW: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const parsed = parseEgressAllowList(text);
      if (parsed.ok) return parsed.entries;
      for (const problem of parsed.problems) ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }),
});

export type WorkerConfig = Readonly<z.infer<typeof ConfigSchema>>;

/** The concurrency of a consumed type this worker has no executor for: its jobs fail at once (UNSUPPORTED_STEP_TYPE). */
export const NO_EXECUTOR_CONCURRENCY = 10;

/**
 * How many steps of `stepType` this worker runs at once: `WORKER_CONCURRENCY` for the type, else its
 * single number, else the type's own default — its executor's `defaultConcurrency`, passed as
 * `typeDefault` (absent: the worker has no executor for the type).
 */
export function concurrencyFor(config: WorkerConfig, stepType: string, typeDefault: number = NO_EXECUTOR_CONCURRENCY): number {
  return config.WORKER_CONCURRENCY?.byType[stepType] ?? config.WORKER_CONCURRENCY?.default ?? typeDefault;
}

/** The circuit breaker settings this worker's environment sets (the rest keep the package defaults). */
export function circuitBreakerDefaults(config: WorkerConfig): Partial<CircuitBreakerConfig> {
  return {
    ...(config.CIRCUIT_FAILURE_THRESHOLD === undefined ? {} : { failureThreshold: config.CIRCUIT_FAILURE_THRESHOLD }),
    ...(config.CIRCUIT_OPEN_TIMEOUT_MS === undefined ? {} : { timeoutMs: config.CIRCUIT_OPEN_TIMEOUT_MS }),
    ...(config.CIRCUIT_HALF_OPEN_MAX_ATTEMPTS === undefined ? {} : { halfOpenMaxAttempts: config.CIRCUIT_HALF_OPEN_MAX_ATTEMPTS }),
  };
}

export type ConfigResult = { ok: true; config: WorkerConfig } | { ok: false; message: string };

/** Parses the environment once, at startup; every problem is named in one message. */
export function loadConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    return { ok: false, message: `invalid configuration: ${problems.join('; ')}` };
  }
  return { ok: true, config: Object.freeze(parsed.data) };
}

/**
 * Secrets from `AF_SECRET_NAME` variables, by NAME (with `AF_SECRETS_DIR`: `WorkerSecrets`). They
 * exist only on workers, which put them where a definition's `{{ secrets.NAME }}` slots say.
 */
export function secretsFrom(env: NodeJS.ProcessEnv): Readonly<Record<string, string>> {
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('AF_SECRET_') && value !== undefined) secrets[key.slice('AF_SECRET_'.length)] = value;
  }
  return Object.freeze(secrets);
}

/** Names of variables that hold credentials by convention: `OPENAI_API_KEY`, `AGENT_PROVIDER_X_API_KEY`, `…_TOKEN`. */
const CREDENTIAL_NAME = /(?:_API_KEY|_TOKEN|_PASSWORD|_SECRET)$/;

/**
 * The worker's own credentials, to be masked out of any message a result carries: API keys and
 * tokens from the environment, and the password in `REDIS_URL`. (`{{ secrets.* }}` values come from
 * {@link secretsFrom}.)
 */
export function credentialsIn(env: NodeJS.ProcessEnv): string[] {
  const values = Object.entries(env)
    .filter(([name, value]) => CREDENTIAL_NAME.test(name) && value !== undefined && value !== '')
    .map(([, value]) => value!);
  try {
    const password = decodeURIComponent(new URL(env['REDIS_URL'] ?? '').password);
    if (password !== '') values.push(password);
  } catch {
    // No REDIS_URL, or not a URL: loadConfig reports that.
  }
  return values;
}
