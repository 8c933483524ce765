import { DEFAULT_DEFINITION_CAPS } from '@agentic-flow/definition-check';
import { parseEgressAllowList } from '@agentic-flow/executors';
import { API_KEY_ROLES } from '@agentic-flow/store';
import { z } from 'zod';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const ConfigSchema = z
  .object({
    DATABASE_URL: z.string().url('must be a postgres:// URL').default('postgres://postgres@127.0.0.1:5432/test'),
    REDIS_URL: z.string().url('must be a redis:// URL').default('redis://127.0.0.1:6379'),
    /** Loopback unless told otherwise: the container image sets 0.0.0.0, where a network policy stands in front. */
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    BULLMQ_PREFIX: z.string().min(1).default('af'),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    /** Upper bound on results read at once from `step-results` and applied in one transaction. */
    RESULT_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(256),
    /** Executions whose state the coordinator keeps to apply their next result in one round trip. */
    STATE_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
    /** Largest request body accepted, in bytes. */
    BODY_LIMIT: z.coerce
      .number()
      .int()
      .min(1024)
      .default(5 * 1024 * 1024),
    /** Time limit of one condition or loop expression (an operator's cap: definitions cannot ask for more). */
    EXPRESSION_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(1000),
    /**
     * Largest execution state (JSON bytes: every output and variable it holds). A result that would
     * make it larger fails its step with OUTPUT_TOO_LARGE instead.
     */
    MAX_EXECUTION_STATE_BYTES: z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .default(16 * 1024 * 1024),
    /** Caps a definition's script steps must stay within (`timeout`, `memoryLimit`): more is refused at registration. Workers apply the same caps. */
    // The defaults the CLI's offline `validate` checks against too.
    SCRIPT_MAX_TIMEOUT_MS: z.coerce.number().int().min(1).max(2_147_483_647).default(DEFAULT_DEFINITION_CAPS.scriptMaxTimeoutMs),
    SCRIPT_MAX_MEMORY_MB: z.coerce.number().int().min(8).max(4096).default(DEFAULT_DEFINITION_CAPS.scriptMaxMemoryMb),
    /**
     * How long one transition may spend answering expressions before it commits and leaves the rest
     * to be answered in the background: what one execution's slow expressions can hold up others.
     */
    EXPRESSION_INLINE_BUDGET_MS: z.coerce.number().int().min(0).max(10_000).default(50),
    /** Sandbox processes evaluating expressions: kept warm, and at most while slow ones pile up. */
    EXPRESSION_PROCESSES: z.coerce.number().int().min(1).max(64).default(2),
    EXPRESSION_MAX_PROCESSES: z.coerce.number().int().min(1).max(64).default(4),
    /** `maxConcurrentWorkflows`: running and paused executions at once; more wait pending, oldest first. 0: no limit. */
    MAX_CONCURRENT_WORKFLOWS: z.coerce.number().int().min(0).default(0),
    /** How deep `workflow` steps may nest child executions; a step that would go deeper fails WORKFLOW_DEPTH. */
    MAX_WORKFLOW_DEPTH: z.coerce.number().int().min(1).max(100).default(10),
    /**
     * Live (pending, running, paused) descendants one top-level execution may have; a `workflow` step
     * whose child would pass it fails TOO_MANY_DESCENDANTS. Children skip MAX_CONCURRENT_WORKFLOWS, so
     * this is what bounds a fan-out of self-calling workflows (breadth^depth otherwise).
     */
    MAX_DESCENDANT_EXECUTIONS: z.coerce.number().int().min(1).default(10_000),
    /**
     * Step instances (nodes) one execution may hold: parallel branches and every loop iteration's
     * body steps each count. The parallel or loop that would pass it fails EXECUTION_TOO_LARGE.
     */
    MAX_STEPS_PER_EXECUTION: z.coerce.number().int().min(1).default(1_000_000),
    /**
     * Parallel branches one transaction starts, all parallels together: a wider parallel starts the
     * rest in the transactions after it, so one transaction's writes, jobs and memory stay bounded.
     */
    BRANCH_STARTS_PER_TRANSITION: z.coerce.number().int().min(1).max(100_000).default(1_000),
    /** `enableSnapshots` / `snapshotInterval`: automatic snapshots of every new execution while it runs. */
    ENABLE_SNAPSHOTS: z
      .enum(['true', 'false', '1', '0'])
      .default('false')
      .transform((v) => v === 'true' || v === '1'),
    SNAPSHOT_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
    /** How long the event stream keeps events; a `Last-Event-ID` older than that gets `stream:gap`. Pruned by the leader. Default 7 days. */
    EVENT_RETENTION_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .default(7 * 24 * 3_600_000),
    /** While an event stream is open on this coordinator: how often it looks for events without a notification. */
    EVENT_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
    /** An open event stream gets a comment line after this long without an event (proxies close idle connections). */
    EVENT_HEARTBEAT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
    /**
     * How often every coordinator looks for due step signals (a wait's timer): the most a timer is
     * late, except that a timer written on this coordinator due sooner than the next poll gets a pass
     * at its due time.
     */
    SIGNAL_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
    /** How often the leader reconciles, snapshots and admits. */
    MAINTENANCE_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
    /** A run in flight this long without a live job is enqueued again. */
    RECONCILE_GRACE_MS: z.coerce.number().int().min(100).default(30_000),
    /**
     * Quarantine: a job that failed this many times beyond its attempts without a result fails with
     * INTERNAL; a result whose application crashed this many coordinators is dead-lettered and fails
     * its execution. Workers use the same setting for sandbox crashes (a job BullMQ failed for too
     * many dead workers — their WORKER_DEATH_LIMIT — fails with POISON whatever this says).
     */
    POISON_THRESHOLD: z.coerce.number().int().min(1).max(100).default(3),
    /** A result a crashed coordinator held unacknowledged this long is taken over by another. */
    RESULT_CLAIM_IDLE_MS: z.coerce.number().int().min(100).default(15_000),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
    /** With it, `GET /metrics` needs `Authorization: Bearer <METRICS_TOKEN>`; without, it is public like the probes. */
    METRICS_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'must be at least 16 characters').optional()),
    /** `keys`: every route but the probes needs an API key. `none`: no authentication at all (warned about at every start). */
    AUTH_MODE: z.enum(['keys', 'none']).default('keys'),
    /**
     * An admin key for every namespace that the operator chooses, so the first real keys can be made
     * through the API. Only its hash is kept in memory; unset it once other admin keys exist.
     */
    AF_BOOTSTRAP_ADMIN_KEY: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(32, 'must be at least 32 characters').max(512).optional()),
    /** How long a verified key is trusted before its row is read again: how late a revocation reaches other coordinators. */
    KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(300_000).default(10_000),
    /** Calls per key per window, shared by every coordinator through Redis. 0: no limit. */
    RATE_LIMIT_MAX: z.coerce.number().int().min(0).default(60_000),
    RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
    /** Failed authentications per client address per minute before it is refused without checking. */
    AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).default(30),
    /**
     * OIDC: bearer JWTs signed by the provider whose keys are at OIDC_JWKS_URL are accepted beside API
     * keys, for this issuer and audience. The role comes from OIDC_ROLE_CLAIM (values mapped by
     * OIDC_ROLE_MAP, `group=role,…`, or role names themselves); namespaces from OIDC_NAMESPACES_CLAIM.
     */
    OIDC_JWKS_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
    OIDC_ISSUER: z.string().min(1).optional(),
    OIDC_AUDIENCE: z.string().min(1).optional(),
    OIDC_ROLE_CLAIM: z.string().min(1).default('roles'),
    OIDC_ROLE_MAP: z
      .string()
      .optional()
      .transform((text, ctx) => {
        const map: Record<string, (typeof API_KEY_ROLES)[number]> = {};
        for (const entry of (text ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          const [value, role] = entry.split('=').map((s) => s.trim());
          if (!value || !role || !(API_KEY_ROLES as readonly string[]).includes(role)) {
            ctx.addIssue({ code: 'custom', message: `entry "${entry}" must be <claim value>=<${API_KEY_ROLES.join('|')}>` });
            return z.NEVER;
          }
          map[value] = role as (typeof API_KEY_ROLES)[number];
        }
        return map;
      }),
    OIDC_NAMESPACES_CLAIM: z.string().min(1).default('namespaces'),
    /**
     * Alert sinks: where their webhooks may connect besides public addresses (the workers'
     * `EGRESS_ALLOW` syntax: `127.0.0.1:8080,10.0.0.0/8,hooks.internal`). A bad entry stops the start.
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
    /** Alert sinks' signing secrets, one file per secret named after it (besides `AF_SECRET_<NAME>` variables, which lose on a clash). */
    AF_SECRETS_DIR: z.string().min(1, 'must be a directory path').optional(),
    /** Attempts of one alert delivery, and the first retry's delay (doubling each time). */
    ALERT_DELIVERY_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    ALERT_DELIVERY_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(2_000),
    ALERT_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /** Metric rollups older than this many days are dropped by the leader. */
    METRICS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    /** Origins allowed to call from a browser (comma-separated). Unset: no CORS headers, browsers refuse. */
    CORS_ORIGINS: z
      .string()
      .optional()
      .transform((text) =>
        text === undefined
          ? []
          : text
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
      ),
  })
  .superRefine((config, ctx) => {
    if (config.OIDC_JWKS_URL === undefined) return;
    for (const field of ['OIDC_ISSUER', 'OIDC_AUDIENCE'] as const) {
      if (config[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'is required with OIDC_JWKS_URL (tokens are checked for both)' });
    }
  });

export type CoordinatorConfig = Readonly<
  z.infer<typeof ConfigSchema> & {
    /** `AF_SECRET_<NAME>` variables by NAME: alert sinks sign with the one they name. */
    sinkSecrets: Readonly<Record<string, string>>;
  }
>;

export type ConfigResult = { ok: true; config: CoordinatorConfig } | { ok: false; message: string };

/** Parses the environment once, at startup; every problem is named in one message. */
export function loadConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    return { ok: false, message: `invalid configuration: ${problems.join('; ')}` };
  }
  const sinkSecrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('AF_SECRET_') && value !== undefined) sinkSecrets[key.slice('AF_SECRET_'.length)] = value;
  }
  return { ok: true, config: Object.freeze({ ...parsed.data, sinkSecrets: Object.freeze(sinkSecrets) }) };
}
