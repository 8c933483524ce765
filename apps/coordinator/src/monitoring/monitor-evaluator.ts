import {
  applyConditions,
  namespaceNames,
  readMonitorSettings,
  stepMetrics,
  workflowMetrics,
  type ConditionChanges,
  type ObservedCondition,
} from '@agentic-flow/store';
import type { Logger } from '@agentic-flow/telemetry';
import type pg from 'pg';
import { collectClusterComponents, type ClusterHealthDeps } from './cluster-health.js';
import { assessHealth } from './health-assessment.js';
import { effectiveThresholds, type Thresholds } from './thresholds.js';

/** How often the leader looks whether an evaluation is due (so a new interval applies within this). */
const POLL_MS = 1_000;
const DLQ_KEY = 'dead-letter-growth';

export interface MonitorEvaluatorOptions extends ClusterHealthDeps {
  /** Whether this coordinator leads now. */
  leading: () => boolean;
  /** Called after a pass that raised or resolved alerts (their deliveries are pending). */
  onAlerts: () => void;
  logger: Logger;
}

const pct = (rate: number) => `${Math.round(rate * 1000) / 10}%`;

/**
 * The leader's alert evaluation, every `intervalMs` of the shared monitor settings
 * (`startMonitoring`): the cluster's conditions (a queue with work and no live worker, queues over
 * their thresholds, open circuit breakers, dead letter growth) and each namespace's threshold
 * breaches over the evaluation window (error rate, p95 execution time, p95 step time per type),
 * handed to {@link applyConditions}, which raises one alert when a condition starts and one
 * `resolved` alert when it ends. A condition that could not be evaluated this pass (Redis did not
 * answer, too few samples in the window) keeps its state.
 */
export class MonitorEvaluator {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private lastRun = 0;
  /** Dead letter queue size the growth condition counts from (in the leader's memory). */
  private dlqBaseline: number | undefined;

  constructor(private readonly options: MonitorEvaluatorOptions) {}

  start(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'monitor evaluation failed; it runs again next interval'))
        .finally(() => this.schedule());
    }, POLL_MS);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (!this.options.leading()) {
      this.dlqBaseline = undefined;
      return;
    }
    const settings = await readMonitorSettings(this.options.pool);
    if (this.options.now() - this.lastRun < settings.intervalMs) return;
    this.lastRun = this.options.now();
    await this.evaluate(effectiveThresholds(settings.thresholds));
  }

  /** One evaluation pass (the leader's; tests call it directly). */
  async evaluate(thresholds: Thresholds): Promise<ConditionChanges> {
    const observed: ObservedCondition[] = [];
    const components = await collectClusterComponents(this.options);
    const clusterEvaluated = components.redis.reachable;
    if (clusterEvaluated) {
      observed.push(...assessHealth(components, thresholds).conditions);
      const growth = await this.deadLetterGrowth(components.deadLetter.size, thresholds);
      if (growth) observed.push(growth);
    }
    const skipped = new Set<string>();
    const now = this.options.now();
    const window = { from: new Date(now - thresholds.evaluationWindow), to: new Date(now) };
    for (const namespace of await namespaceNames(this.options.pool)) {
      const [workflows, steps] = await Promise.all([
        workflowMetrics(this.options.pool, { namespace, ...window }),
        stepMetrics(this.options.pool, { namespace, ...window }),
      ]);
      const settled = workflows.completedExecutions + workflows.failedExecutions + workflows.cancelledExecutions;
      if (settled < thresholds.minSamples) {
        skipped.add(`${namespace}\u0000error-rate`).add(`${namespace}\u0000execution-time`);
      } else {
        if (workflows.errorRate > thresholds.maxErrorRate) {
          observed.push({
            namespace,
            key: 'error-rate',
            type: 'threshold',
            severity: 'warning',
            message: `error rate ${pct(workflows.errorRate)} over the last ${Math.round(thresholds.evaluationWindow / 1000)} s is above maxErrorRate ${pct(thresholds.maxErrorRate)}`,
            data: { errorRate: workflows.errorRate, maxErrorRate: thresholds.maxErrorRate, failed: workflows.failedExecutions, settled },
          });
        }
        if (workflows.p95ExecutionTime !== null && workflows.p95ExecutionTime > thresholds.maxExecutionTime) {
          observed.push({
            namespace,
            key: 'execution-time',
            type: 'threshold',
            severity: 'warning',
            message: `p95 execution time ${Math.round(workflows.p95ExecutionTime)} ms is above maxExecutionTime ${thresholds.maxExecutionTime} ms`,
            data: { p95ExecutionTime: workflows.p95ExecutionTime, maxExecutionTime: thresholds.maxExecutionTime },
          });
        }
      }
      for (const step of steps) {
        const key = `step-time:${step.stepType}`;
        if (step.count < thresholds.minSamples) {
          skipped.add(`${namespace}\u0000${key}`);
          continue;
        }
        if (step.p95Duration !== null && step.p95Duration > thresholds.maxStepExecutionTime) {
          observed.push({
            namespace,
            key,
            type: 'threshold',
            severity: 'warning',
            message: `p95 duration of ${step.stepType} steps ${Math.round(step.p95Duration)} ms is above maxStepExecutionTime ${thresholds.maxStepExecutionTime} ms`,
            data: { stepType: step.stepType, p95Duration: step.p95Duration, maxStepExecutionTime: thresholds.maxStepExecutionTime },
          });
        }
      }
    }
    const changes = await applyConditions(this.options.pool, observed, (namespace, key) =>
      namespace === '*' ? clusterEvaluated : !skipped.has(`${namespace}\u0000${key}`),
    );
    for (const started of changes.started) this.options.logger.warn({ namespace: started.namespace, condition: started.key }, `alert: ${started.message}`);
    for (const ended of changes.ended) this.options.logger.info({ namespace: ended.namespace, condition: ended.key }, 'alert resolved');
    if (changes.ended.some((c) => c.namespace === '*' && c.key === DLQ_KEY)) this.dlqBaseline = undefined;
    if (changes.started.length > 0 || changes.ended.length > 0) this.options.onAlerts();
    return changes;
  }

  /**
   * Dead letter growth: `maxDeadLetterGrowth` jobs or more beyond the size the queue had when the
   * condition was last quiet. It ends when the queue is back to that size (entries retried or
   * discarded). The baseline survives a change of leader in the condition's data.
   */
  private async deadLetterGrowth(size: number, thresholds: Thresholds): Promise<ObservedCondition | undefined> {
    if (this.dlqBaseline === undefined) {
      const { rows } = await (this.options.pool as pg.Pool).query<{ baseline: number | null }>(
        `select (data ->> 'baseline')::int as baseline from monitor_conditions where namespace = '*' and key = $1`,
        [DLQ_KEY],
      );
      this.dlqBaseline = rows[0]?.baseline ?? size;
    }
    if (size < this.dlqBaseline) this.dlqBaseline = size;
    const grown = size - this.dlqBaseline;
    if (grown < thresholds.maxDeadLetterGrowth) return undefined;
    return {
      namespace: '*',
      key: DLQ_KEY,
      type: 'dead-letter',
      severity: 'warning',
      message: `the dead letter queue grew by ${grown} to ${size} jobs: retry or discard them (GET /v1/dead-letter)`,
      data: { baseline: this.dlqBaseline, size },
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
