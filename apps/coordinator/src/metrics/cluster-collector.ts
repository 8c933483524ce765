import { listCircuitBreakers, resultStreamKeys, stepQueueName, type StepQueues } from '@agentic-flow/queue';
import { Gauge, registerSandboxPoolMetrics, type Registry, type SandboxPoolStats } from '@agentic-flow/telemetry';
import type { Redis } from 'ioredis';

export interface ClusterCollectorOptions {
  registry: Registry;
  queues: StepQueues;
  redis: Redis;
  prefix: string;
  /** Step types whose queues are reported (the work step types: control steps have no queue). */
  stepTypes: readonly string[];
  /** The expression sandbox's pool, read at scrape time. */
  expressionPool?: () => SandboxPoolStats;
}

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * Cluster-wide gauges read from Redis when Prometheus scrapes, never on the hot path: one
 * `getJobCounts` per step queue, `XPENDING` and `XINFO GROUPS` on the result stream, `XLEN` of its
 * dead letters, and a `SCAN` of the circuit breakers. Every coordinator reports the same cluster-wide
 * values (dashboards take `max`, not `sum`); a scrape costs a handful of Redis calls whatever the
 * load.
 */
export function registerClusterCollector(options: ClusterCollectorOptions): void {
  const registers = [options.registry];
  const keys = resultStreamKeys(options.prefix);

  new Gauge({
    name: 'agentic_flow_queue_jobs',
    help: 'Jobs in each step queue by state (waiting, active, delayed, failed: the failed sets are the dead letter queue).',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      const counts = await Promise.all(options.stepTypes.map((type) => options.queues.queue(stepQueueName(type)).getJobCounts(...STATES)));
      this.reset();
      options.stepTypes.forEach((type, i) => {
        for (const state of STATES) this.set({ queue: stepQueueName(type), state }, counts[i]?.[state] ?? 0);
      });
    },
  });

  new Gauge({
    name: 'agentic_flow_dead_letter_size',
    help: 'Dead letters: failed step jobs (all step queues) and results moved to step-results:dead.',
    labelNames: ['source'],
    registers,
    async collect() {
      const [failed, results] = await Promise.all([
        Promise.all(options.stepTypes.map((type) => options.queues.queue(stepQueueName(type)).getFailedCount())),
        options.redis.xlen(keys.dead),
      ]);
      this.set(
        { source: 'step-jobs' },
        failed.reduce((a, b) => a + b, 0),
      );
      this.set({ source: 'results' }, results);
    },
  });

  const streamLag = new Gauge({
    name: 'agentic_flow_result_stream_lag',
    help: 'Results on step-results not yet delivered to any coordinator (XINFO GROUPS lag).',
    registers,
  });
  new Gauge({
    name: 'agentic_flow_result_stream_pending',
    help: 'Results delivered to a coordinator and not yet acknowledged (XPENDING): being applied, or held by a dead coordinator.',
    registers,
    async collect() {
      const [pending, groups] = await Promise.all([
        options.redis.xpending(keys.stream, keys.group).catch(() => [0]) as Promise<unknown[]>,
        options.redis.xinfo('GROUPS', keys.stream).catch(() => []) as Promise<unknown[]>,
      ]);
      this.set(Number(pending[0] ?? 0));
      streamLag.set(groupLag(groups, keys.group));
    },
  });

  new Gauge({
    name: 'agentic_flow_circuit_breakers',
    help: 'Circuit breakers shared by the workers, by state (closed, open, half-open).',
    labelNames: ['state'],
    registers,
    async collect() {
      const breakers = await listCircuitBreakers(options.redis, { prefix: options.prefix });
      const counts = { closed: 0, open: 0, 'half-open': 0 };
      for (const breaker of breakers) counts[breaker.state] += 1;
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });

  if (options.expressionPool) registerSandboxPoolMetrics(options.registry, new Map([['expressions', options.expressionPool]]));
}

/** `lag` of the group in an `XINFO GROUPS` reply (a flat field/value list per group); entries-read unknown: 0. */
function groupLag(groups: unknown[], name: string): number {
  for (const group of groups) {
    if (!Array.isArray(group)) continue;
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < group.length; i += 2) fields.set(String(group[i]), group[i + 1]);
    if (fields.get('name') === name) return Number(fields.get('lag') ?? 0) || 0;
  }
  return 0;
}
