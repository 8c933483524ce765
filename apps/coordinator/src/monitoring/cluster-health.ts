import { listCircuitBreakers, liveProcesses, resultStreamKeys, stepQueueName, type StepQueues } from '@agentic-flow/queue';
import type { Redis } from 'ioredis';
import type pg from 'pg';

export interface ReachabilityView {
  reachable: boolean;
  latencyMs: number | null;
  error?: string;
}

export interface QueueView {
  stepType: string;
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** Age of the oldest waiting job (ms); null when none waits. */
  oldestWaitingAgeMs: number | null;
  liveWorkers: number;
}

export interface ClusterComponents {
  postgres: ReachabilityView;
  redis: ReachabilityView;
  queues: QueueView[];
  workers: {
    total: number;
    byStepType: Record<string, number>;
    live: { id: string; stepTypes: string[]; host?: string | undefined; pid?: number | undefined; lastSeenMsAgo: number }[];
  };
  coordinators: {
    total: number;
    leader: string | null;
    live: { id: string; leader: boolean; host?: string | undefined; pid?: number | undefined; lastSeenMsAgo: number }[];
  };
  circuitBreakers: { open: { key: string; state: string; failures: number; openedAt?: number | undefined }[] };
  deadLetter: { size: number };
  resultStream: { length: number; pending: number; lag: number | null } | null;
}

export interface ClusterHealthDeps {
  pool: pg.Pool;
  redis: Redis;
  queues: StepQueues;
  prefix: string;
  stepTypes: readonly string[];
  now: () => number;
}

async function timed(check: () => Promise<unknown>): Promise<ReachabilityView> {
  const started = performance.now();
  try {
    await check();
    return { reachable: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (error) {
    return { reachable: false, latencyMs: null, error: (error as Error).message };
  }
}

/**
 * What the cluster looks like now, read from PostgreSQL and Redis: each store's reachability and
 * latency, each step queue's counts and oldest waiting job, the live workers and coordinators
 * (heartbeats), open circuit breakers, the dead letter queue's size and the result stream's lag.
 * Without Redis only the two reachability checks are filled in.
 */
export async function collectClusterComponents(deps: ClusterHealthDeps): Promise<ClusterComponents> {
  const [postgres, redis] = await Promise.all([timed(() => deps.pool.query('select 1')), timed(() => deps.redis.ping())]);
  const empty: ClusterComponents = {
    postgres,
    redis,
    queues: [],
    workers: { total: 0, byStepType: {}, live: [] },
    coordinators: { total: 0, leader: null, live: [] },
    circuitBreakers: { open: [] },
    deadLetter: { size: 0 },
    resultStream: null,
  };
  if (!redis.reachable) return empty;
  const now = deps.now();
  const [workers, coordinators, breakers, stream, queues] = await Promise.all([
    liveProcesses(deps.redis, deps.prefix, 'worker', now),
    liveProcesses(deps.redis, deps.prefix, 'coordinator', now),
    listCircuitBreakers(deps.redis, { prefix: deps.prefix }),
    resultStreamState(deps.redis, deps.prefix),
    Promise.all(deps.stepTypes.map((stepType) => queueState(deps, stepType, now))),
  ]);
  const byStepType: Record<string, number> = Object.fromEntries(deps.stepTypes.map((t) => [t, 0]));
  for (const worker of workers) for (const type of worker.stepTypes ?? []) byStepType[type] = (byStepType[type] ?? 0) + 1;
  return {
    ...empty,
    queues: queues.map((q) => ({ ...q, liveWorkers: byStepType[q.stepType] ?? 0 })),
    workers: {
      total: workers.length,
      byStepType,
      live: workers.map((w) => ({ id: w.id, stepTypes: w.stepTypes ?? [], host: w.host, pid: w.pid, lastSeenMsAgo: Math.max(0, now - w.at) })),
    },
    coordinators: {
      total: coordinators.length,
      leader: coordinators.find((c) => c.leader)?.id ?? null,
      live: coordinators.map((c) => ({ id: c.id, leader: c.leader === true, host: c.host, pid: c.pid, lastSeenMsAgo: Math.max(0, now - c.at) })),
    },
    circuitBreakers: {
      open: breakers.filter((b) => b.state !== 'closed').map((b) => ({ key: b.key, state: b.state, failures: b.failures, openedAt: b.openedAt })),
    },
    deadLetter: { size: queues.reduce((sum, q) => sum + q.failed, 0) },
    resultStream: stream,
  };
}

async function queueState(deps: ClusterHealthDeps, stepType: string, now: number): Promise<Omit<QueueView, 'liveWorkers'>> {
  const name = stepQueueName(stepType);
  const queue = deps.queues.queue(name);
  const [counts, oldestId] = await Promise.all([
    queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'),
    // BullMQ pushes new jobs on the left of the wait list: the oldest is the last.
    deps.redis.lindex(queue.keys['wait']!, -1),
  ]);
  let oldestWaitingAgeMs: number | null = null;
  if (oldestId) {
    const timestamp = await deps.redis.hget(queue.toKey(oldestId), 'timestamp');
    if (timestamp !== null) oldestWaitingAgeMs = Math.max(0, now - Number(timestamp));
  }
  return {
    stepType,
    queue: name,
    waiting: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0),
    active: counts['active'] ?? 0,
    delayed: counts['delayed'] ?? 0,
    failed: counts['failed'] ?? 0,
    oldestWaitingAgeMs,
  };
}

/** XLEN and the coordinators' group's pending count and lag (entries not yet read). */
async function resultStreamState(redis: Redis, prefix: string): Promise<ClusterComponents['resultStream']> {
  const keys = resultStreamKeys(prefix);
  const length = await redis.xlen(keys.stream);
  let groups: unknown[] = [];
  try {
    groups = (await redis.call('XINFO', 'GROUPS', keys.stream)) as unknown[];
  } catch {
    return { length, pending: 0, lag: null };
  }
  for (const group of groups) {
    const fields = group as unknown[];
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]);
    if (info.get('name') !== keys.group) continue;
    const lag = info.get('lag');
    return { length, pending: Number(info.get('pending') ?? 0), lag: lag === null || lag === undefined ? null : Number(lag) };
  }
  return { length, pending: 0, lag: null };
}
