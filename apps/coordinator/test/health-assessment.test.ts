import { describe, expect, it } from 'vitest';
import type { ClusterComponents } from '../src/monitoring/cluster-health.js';
import { assessHealth } from '../src/monitoring/health-assessment.js';
import { DEFAULT_THRESHOLDS, ThresholdsSchema, effectiveThresholds } from '../src/monitoring/thresholds.js';

const healthy = (): ClusterComponents => ({
  postgres: { reachable: true, latencyMs: 1 },
  redis: { reachable: true, latencyMs: 1 },
  queues: [
    { stepType: 'http', queue: 'step-http', waiting: 0, active: 0, delayed: 0, failed: 0, oldestWaitingAgeMs: null, liveWorkers: 1 },
    { stepType: 'agent-task', queue: 'step-agent-task', waiting: 0, active: 0, delayed: 0, failed: 0, oldestWaitingAgeMs: null, liveWorkers: 0 },
  ],
  workers: { total: 1, byStepType: { http: 1, 'agent-task': 0 }, live: [] },
  coordinators: { total: 1, leader: 'c1', live: [{ id: 'c1', leader: true, lastSeenMsAgo: 10 }] },
  circuitBreakers: { open: [] },
  deadLetter: { size: 0 },
  resultStream: { length: 0, pending: 0, lag: 0 },
});
const thresholds = { ...DEFAULT_THRESHOLDS };

describe('assessHealth', () => {
  it('is healthy with nothing to report (an idle step type without workers is fine)', () => {
    expect(assessHealth(healthy(), thresholds)).toEqual({ status: 'healthy', issues: [], recommendations: [], conditions: [] });
  });

  it('is critical when a queue has waiting jobs and no live worker, and says which worker to start', () => {
    const components = healthy();
    components.queues[1]!.waiting = 480;
    const assessment = assessHealth(components, thresholds);
    expect(assessment.status).toBe('critical');
    expect(assessment.recommendations).toEqual(['queue step-agent-task has 480 waiting and no live worker: start a worker with STEP_TYPES=agent-task']);
    expect(assessment.conditions).toEqual([expect.objectContaining({ namespace: '*', key: 'no-worker:agent-task', type: 'no-worker', severity: 'critical' })]);
  });

  it('is degraded by a queue over its thresholds, an open breaker, dead letters, a lagging stream or no leader', () => {
    const components = healthy();
    components.queues[0]!.waiting = 1500;
    components.queues[0]!.oldestWaitingAgeMs = 400_000;
    components.circuitBreakers.open.push({ key: 'http:api.example:443', state: 'open', failures: 5 });
    components.deadLetter.size = 3;
    components.resultStream = { length: 20_000, pending: 0, lag: 20_000 };
    components.coordinators.leader = null;
    const assessment = assessHealth(components, thresholds);
    expect(assessment.status).toBe('degraded');
    expect(assessment.conditions.map((c) => c.key)).toEqual(['queue-size:http', 'queue-wait:http', 'breaker-open:http:api.example:443']);
    expect(assessment.issues).toHaveLength(6);
    expect(assessment.recommendations).toHaveLength(6);
  });

  it('is critical without PostgreSQL or Redis', () => {
    const components = healthy();
    components.redis = { reachable: false, latencyMs: null, error: 'connect ECONNREFUSED' };
    const assessment = assessHealth(components, thresholds);
    expect(assessment.status).toBe('critical');
    expect(assessment.issues).toEqual(['Redis does not answer (connect ECONNREFUSED)']);
  });
});

describe('thresholds', () => {
  it('refuses values out of range and unknown keys, accepts null to go back to the default', () => {
    expect(ThresholdsSchema.safeParse({ maxErrorRate: 1.5 }).success).toBe(false);
    expect(ThresholdsSchema.safeParse({ maxQueueSize: 0 }).success).toBe(false);
    expect(ThresholdsSchema.safeParse({ maxExecutionTime: -1 }).success).toBe(false);
    expect(ThresholdsSchema.safeParse({ maxSpeed: 1 }).success).toBe(false);
    expect(ThresholdsSchema.safeParse({ maxErrorRate: null, maxQueueSize: 10 }).success).toBe(true);
    expect(effectiveThresholds({ maxQueueSize: 10, maxErrorRate: 7 })).toEqual({ ...DEFAULT_THRESHOLDS, maxQueueSize: 10 });
  });
});
