import type { CircuitVerdict } from '@agentic-flow/spec';
import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from './names.js';
import { ACQUIRE_SCRIPT, RECORD_SCRIPT } from './circuit-breaker-scripts.js';
import { LuaScript } from './lua-script.js';

/**
 * Circuit breakers shared by every worker through Redis, one per key (a step type and its target,
 * e.g. `http:api.example.com:443` or `agent-task:openai`).
 *
 * closed → calls go ahead; consecutive failures are counted and at `failureThreshold` it opens.
 * open → calls are rejected at once until `timeoutMs` has passed since it opened; then half-open.
 * half-open → at most `halfOpenMaxAttempts` trial calls at once; a trial success closes it, a trial
 * failure opens it again.
 *
 * Each `acquire` and each `record` is one EVALSHA. Callers decide what a failure is.
 */

export interface CircuitBreakerConfig {
  /** Consecutive failures that open a closed breaker. */
  failureThreshold: number;
  /** How long an open breaker rejects calls before it lets trial calls through, in ms. */
  timeoutMs: number;
  /** Trial calls allowed at once while half-open. */
  halfOpenMaxAttempts: number;
}

export const DEFAULT_CIRCUIT_BREAKER_CONFIG: Readonly<CircuitBreakerConfig> = Object.freeze({ failureThreshold: 5, timeoutMs: 30_000, halfOpenMaxAttempts: 3 });

export type CircuitState = 'closed' | 'open' | 'half-open';

/** What the caller learned from a call guarded by a breaker (spec's type: executors classify their own failures). */
export type { CircuitVerdict };

/** A call may go ahead; hand the permit back to `record` when it is over. */
export interface CircuitPermit {
  allowed: true;
  key: string;
  /** A half-open trial call: its verdict closes or re-opens the breaker. */
  trial: boolean;
  /** @internal The round of trials the permit belongs to. */
  generation: number;
}

/** A call must not go ahead. */
export interface CircuitRejection {
  allowed: false;
  key: string;
  state: 'open' | 'half-open';
  /** Consecutive failures recorded when it (last) opened. */
  failures: number;
  openedAt: number;
  /** How long until the breaker lets a call through again (half-open: at the latest). */
  retryAfterMs: number;
  /** Half-open: trial calls in flight. */
  halfOpenInFlight: number;
}

export type CircuitDecision = CircuitPermit | CircuitRejection;

/** One breaker as stored, for the API. An `open` breaker whose timeout has passed turns half-open at its next call. */
export interface CircuitBreakerState {
  key: string;
  state: CircuitState;
  failures: number;
  openedAt?: number;
  halfOpenInFlight: number;
}

export interface CircuitBreakerKeys {
  /** Hash of `CircuitBreakerConfig` fields; takes precedence over each process's defaults. */
  config: string;
  /** Prefix of the per-breaker hashes: `${state}${breakerKey}`. */
  state: string;
}

export function circuitBreakerKeys(prefix: string = DEFAULT_PREFIX): CircuitBreakerKeys {
  return { config: `${prefix}:circuit-breakers:config`, state: `${prefix}:circuit-breakers:state:` };
}

export interface CircuitBreakerOptions {
  connection: Redis;
  prefix?: string;
  /** This process's configuration (e.g. from the environment); the Redis hash overrides it field by field. */
  defaults?: Partial<CircuitBreakerConfig>;
  /** How long the configuration read from Redis is used before it is read again. Default 5000 ms. */
  configRefreshMs?: number;
  /** How long an untouched breaker's state is kept (at least twice the open timeout). Default 24 h. */
  stateTtlMs?: number;
}

const CONFIG_FIELDS = ['failureThreshold', 'timeoutMs', 'halfOpenMaxAttempts'] as const satisfies readonly (keyof CircuitBreakerConfig)[];
const MINIMUM: Readonly<CircuitBreakerConfig> = { failureThreshold: 1, timeoutMs: 0, halfOpenMaxAttempts: 1 };
const DAY_MS = 86_400_000;

const acquireScript = new LuaScript(ACQUIRE_SCRIPT);
const recordScript = new LuaScript(RECORD_SCRIPT);

export class CircuitBreaker {
  private readonly connection: Redis;
  private readonly prefix: string;
  private readonly keys: CircuitBreakerKeys;
  private readonly defaults: CircuitBreakerConfig;
  private readonly refreshMs: number;
  private readonly stateTtlMs: number;
  private cached: { config: CircuitBreakerConfig; readAt: number } | undefined;
  private loading: Promise<CircuitBreakerConfig> | undefined;

  constructor(options: CircuitBreakerOptions) {
    this.connection = options.connection;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.keys = circuitBreakerKeys(this.prefix);
    this.defaults = { ...DEFAULT_CIRCUIT_BREAKER_CONFIG, ...validConfigFields(options.defaults ?? {}, 'defaults') };
    this.refreshMs = options.configRefreshMs ?? 5_000;
    this.stateTtlMs = options.stateTtlMs ?? DAY_MS;
  }

  /**
   * Whether a call to `key` may go ahead at `now` (epoch ms). A permit must be handed back to
   * `record` whatever happens to the call, or a half-open trial slot stays taken until the timeout.
   */
  async acquire(key: string, now: number = Date.now()): Promise<CircuitDecision> {
    const config = await this.config();
    const reply = (await acquireScript.run(this.connection, [this.keys.state + key], this.args(config, now))) as unknown[];
    if (Number(reply[0]) === 1) return { allowed: true, key, trial: Number(reply[1]) === 1, generation: Number(reply[2]) };
    return {
      allowed: false,
      key,
      state: String(reply[1]) === 'half-open' ? 'half-open' : 'open',
      failures: Number(reply[2]),
      openedAt: Number(reply[3]),
      retryAfterMs: Number(reply[4]),
      halfOpenInFlight: Number(reply[5]),
    };
  }

  /** Records how a permitted call went; returns the breaker's state afterwards. */
  async record(permit: CircuitPermit, verdict: CircuitVerdict, now: number = Date.now()): Promise<CircuitState> {
    const config = await this.config();
    const args = [...this.args(config, now), verdict, permit.trial ? 1 : 0, permit.generation];
    return String(await recordScript.run(this.connection, [this.keys.state + permit.key], args)) as CircuitState;
  }

  /**
   * The configuration in force: the Redis hash over this process's defaults, read again at most
   * every `configRefreshMs`. A field that is missing or invalid in the hash falls back to the default.
   */
  async config(): Promise<CircuitBreakerConfig> {
    const cached = this.cached;
    if (cached && performance.now() - cached.readAt < this.refreshMs) return cached.config;
    this.loading ??= readCircuitBreakerConfig(this.connection, { prefix: this.prefix })
      .then((stored) => {
        const config = { ...this.defaults, ...stored };
        this.cached = { config, readAt: performance.now() };
        return config;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** Forgets the cached configuration, so the next call reads the hash again. */
  refreshConfig(): void {
    this.cached = undefined;
  }

  private args(config: CircuitBreakerConfig, now: number): number[] {
    const ttl = Math.max(this.stateTtlMs, 2 * config.timeoutMs);
    return [Math.floor(now), config.failureThreshold, config.timeoutMs, config.halfOpenMaxAttempts, ttl];
  }
}

/** The fields of the shared configuration hash that are set and valid. */
export async function readCircuitBreakerConfig(connection: Redis, options: { prefix?: string } = {}): Promise<Partial<CircuitBreakerConfig>> {
  const stored = await connection.hgetall(circuitBreakerKeys(options.prefix).config);
  const config: Partial<CircuitBreakerConfig> = {};
  for (const field of CONFIG_FIELDS) {
    const text = stored[field];
    if (text === undefined || !/^\d+$/.test(text)) continue;
    const value = Number(text);
    if (Number.isSafeInteger(value) && value >= MINIMUM[field]) config[field] = value;
  }
  return config;
}

/**
 * Sets the configuration every worker uses (within its refresh interval), field by field; `null`
 * removes a field, so workers fall back to their own default for it. Invalid values throw a
 * RangeError and nothing is written.
 */
export async function writeCircuitBreakerConfig(
  connection: Redis,
  patch: { [K in keyof CircuitBreakerConfig]?: number | null },
  options: { prefix?: string } = {},
): Promise<void> {
  const key = circuitBreakerKeys(options.prefix).config;
  const set: Partial<CircuitBreakerConfig> = validConfigFields(
    Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null)),
    'circuit breaker config',
  );
  const unset = CONFIG_FIELDS.filter((field) => patch[field] === null);
  const multi = connection.multi();
  if (Object.keys(set).length > 0) multi.hset(key, set);
  if (unset.length > 0) multi.hdel(key, ...unset);
  await multi.exec();
}

/** Every breaker's state as stored under the prefix (SCAN; for the API, not the hot path), sorted by key. */
export async function listCircuitBreakers(connection: Redis, options: { prefix?: string } = {}): Promise<CircuitBreakerState[]> {
  const statePrefix = circuitBreakerKeys(options.prefix).state;
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await connection.scan(cursor, 'MATCH', `${escapeGlob(statePrefix)}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) keys.add(key);
  } while (cursor !== '0');
  const sorted = [...keys].sort();
  if (sorted.length === 0) return [];
  const pipeline = connection.pipeline();
  for (const key of sorted) pipeline.hmget(key, 'state', 'failures', 'openedAt', 'inFlight');
  const replies = (await pipeline.exec()) ?? [];
  const states: CircuitBreakerState[] = [];
  sorted.forEach((key, index) => {
    const [error, fields] = replies[index] ?? [null, null];
    if (error || !Array.isArray(fields) || fields[0] === null) return; // expired between SCAN and HMGET
    const [state, failures, openedAt, inFlight] = fields as (string | null)[];
    const known: CircuitState = state === 'open' || state === 'half-open' ? state : 'closed';
    states.push({
      key: key.slice(statePrefix.length),
      state: known,
      failures: Number(failures ?? 0),
      ...(known !== 'closed' && openedAt !== null && openedAt !== undefined ? { openedAt: Number(openedAt) } : {}),
      halfOpenInFlight: known === 'half-open' ? Number(inFlight ?? 0) : 0,
    });
  });
  return states;
}

/** Deletes a breaker's state: it is closed with no failures counted (an operator's reset). */
export async function resetCircuitBreaker(connection: Redis, key: string, options: { prefix?: string } = {}): Promise<void> {
  await connection.del(circuitBreakerKeys(options.prefix).state + key);
}

function validConfigFields(input: Record<string, unknown>, what: string): Partial<CircuitBreakerConfig> {
  const config: Partial<CircuitBreakerConfig> = {};
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (!(CONFIG_FIELDS as readonly string[]).includes(field)) throw new RangeError(`${what}: unknown field "${field}"`);
    const name = field as keyof CircuitBreakerConfig;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < MINIMUM[name]) {
      throw new RangeError(`${what}: ${field} must be an integer of at least ${MINIMUM[name]}`);
    }
    config[name] = value;
  }
  return config;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
