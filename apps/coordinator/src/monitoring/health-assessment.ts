import type { ObservedCondition } from '@agentic-flow/store';
import type { ClusterComponents } from './cluster-health.js';
import type { Thresholds } from './thresholds.js';

export type HealthLevel = 'healthy' | 'degraded' | 'critical';

export interface HealthAssessment {
  status: HealthLevel;
  issues: string[];
  recommendations: string[];
  /** The cluster conditions (namespace '*') that hold, for the leader's alerts. */
  conditions: ObservedCondition[];
}

/** Result-stream entries not yet read by any coordinator above which the cluster is degraded. */
export const RESULT_LAG_LIMIT = 10_000;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * `getHealthStatus()` from the cluster's components: critical when PostgreSQL or Redis does not
 * answer or a step queue has work and no live worker; degraded for a queue over `maxQueueSize` or
 * waiting longer than `maxQueueWaitTime`, an open circuit breaker, dead letters, a result stream
 * falling behind, or no coordinator leading. Each issue comes with a recommendation in plain words.
 */
export function assessHealth(components: ClusterComponents, thresholds: Thresholds): HealthAssessment {
  let level = 0;
  const issues: string[] = [];
  const recommendations: string[] = [];
  const conditions: ObservedCondition[] = [];
  const raise = (to: 1 | 2) => (level = Math.max(level, to));

  if (!components.postgres.reachable) {
    raise(2);
    issues.push(`PostgreSQL does not answer (${components.postgres.error ?? 'unreachable'})`);
    recommendations.push('check that PostgreSQL runs and that DATABASE_URL points at it: no execution can move on meanwhile');
  }
  if (!components.redis.reachable) {
    raise(2);
    issues.push(`Redis does not answer (${components.redis.error ?? 'unreachable'})`);
    recommendations.push('check that Redis runs and that REDIS_URL points at it: no step can be queued or reported meanwhile');
    return { status: 'critical', issues, recommendations, conditions };
  }

  for (const queue of components.queues) {
    const type = queue.stepType;
    if (queue.waiting > 0 && queue.liveWorkers === 0) {
      raise(2);
      const message = `queue ${queue.queue} has ${queue.waiting} waiting and no live worker`;
      issues.push(message);
      recommendations.push(`${message}: start a worker with STEP_TYPES=${type}`);
      conditions.push({
        namespace: '*',
        key: `no-worker:${type}`,
        type: 'no-worker',
        severity: 'critical',
        message,
        data: { stepType: type, waiting: queue.waiting },
      });
    }
    if (queue.waiting > thresholds.maxQueueSize) {
      raise(1);
      const message = `queue ${queue.queue} has ${queue.waiting} waiting, more than maxQueueSize ${thresholds.maxQueueSize}`;
      issues.push(message);
      recommendations.push(`${message}: add workers with STEP_TYPES=${type} or raise their concurrency`);
      conditions.push({
        namespace: '*',
        key: `queue-size:${type}`,
        type: 'threshold',
        severity: 'warning',
        message,
        data: { stepType: type, waiting: queue.waiting, maxQueueSize: thresholds.maxQueueSize },
      });
    }
    if (queue.oldestWaitingAgeMs !== null && queue.oldestWaitingAgeMs > thresholds.maxQueueWaitTime) {
      raise(1);
      const message = `the oldest job of queue ${queue.queue} has waited ${seconds(queue.oldestWaitingAgeMs)}, more than maxQueueWaitTime ${seconds(thresholds.maxQueueWaitTime)}`;
      issues.push(message);
      recommendations.push(`${message}: add workers with STEP_TYPES=${type}`);
      conditions.push({
        namespace: '*',
        key: `queue-wait:${type}`,
        type: 'threshold',
        severity: 'warning',
        message,
        data: { stepType: type, oldestWaitingAgeMs: queue.oldestWaitingAgeMs },
      });
    }
  }
  for (const breaker of components.circuitBreakers.open) {
    raise(1);
    const message = `circuit breaker ${breaker.key} is ${breaker.state} after ${plural(breaker.failures, 'failure')}`;
    issues.push(message);
    recommendations.push(
      `${message}: its steps fail at once with CIRCUIT_OPEN; check the target, or reset it with DELETE /v1/circuit-breakers/${encodeURIComponent(breaker.key)}`,
    );
    conditions.push({
      namespace: '*',
      key: `breaker-open:${breaker.key}`,
      type: 'circuit-breaker',
      severity: 'warning',
      message,
      data: { key: breaker.key, failures: breaker.failures },
    });
  }
  if (components.deadLetter.size > 0) {
    raise(1);
    issues.push(`the dead letter queue holds ${plural(components.deadLetter.size, 'job')}`);
    recommendations.push('look at GET /v1/dead-letter: retry what can succeed now, discard the rest');
  }
  const stream = components.resultStream;
  if (stream && stream.lag !== null && stream.lag > RESULT_LAG_LIMIT) {
    raise(1);
    issues.push(`${stream.lag} results wait on the result stream unread`);
    recommendations.push('the coordinators fall behind: add a coordinator or check that PostgreSQL keeps up');
  }
  if (components.coordinators.total > 0 && components.coordinators.leader === null) {
    raise(1);
    issues.push('no coordinator leads: nothing reconciles lost steps, folds metrics or evaluates alerts');
    recommendations.push('check that the coordinators reach PostgreSQL (the leader holds an advisory lock there)');
  }
  return { status: level === 2 ? 'critical' : level === 1 ? 'degraded' : 'healthy', issues, recommendations, conditions };
}
