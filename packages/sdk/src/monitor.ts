import type {
  AlertDeliveryView,
  AlertSinkInput,
  AlertSinkView,
  AlertView,
  HealthStatus,
  MetricsQuery,
  MonitorSettings,
  MonitorThresholds,
  Page,
  StepMetrics,
  StepMetricsQuery,
  WorkflowMetrics,
} from '@agentic-flow/spec';
import { callOptionsOf, type CallOptions } from './call-options.js';
import { pageOf } from './list-page.js';
import { anObject, anything, fields } from './response-shape.js';
import { enc, query, type Transport } from './transport.js';

const iso = (value: string | Date | undefined): string | undefined => (value instanceof Date ? value.toISOString() : value);

export interface ListAlertsOptions extends CallOptions {
  /** 1–500, default 50. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * The engine's `WorkflowMonitor` over HTTP: metrics of the client's namespace, the cluster's health,
 * the shared thresholds and evaluation interval, alerts, and webhook alert sinks.
 *
 * @example
 * const health = await client.monitor.getHealthStatus();
 * if (health.status !== 'healthy') console.log(health.issues, health.recommendations);
 * const last24h = await client.monitor.getWorkflowMetrics({ workflowId: 'etl' });
 */
export class WorkflowMonitor {
  constructor(private readonly transport: Transport) {}

  /**
   * Alerts (escalations waiting for a human, threshold breaches and their resolution, cluster
   * alerts), newest first; pass `nextCursor` as `cursor` for older ones.
   *
   * @example
   * const { items, nextCursor } = await client.monitor.getAlerts({ limit: 20 });
   */
  getAlerts(options?: ListAlertsOptions): Promise<Page<AlertView>>;
  /** @deprecated Use `getAlerts({ limit })`, which answers `{ items, nextCursor }`. This form (the seed's) answers the array; kept for one release. */
  getAlerts(limit: number): Promise<AlertView[]>;
  async getAlerts(options: ListAlertsOptions | number = {}): Promise<Page<AlertView> | AlertView[]> {
    if (typeof options === 'number') return (await this.getAlerts({ limit: options })).items;
    return pageOf(this.transport, `/v1/alerts${query({ limit: options.limit, cursor: options.cursor })}`, options);
  }

  /** Executions settled in [from, to) (default the last 24 hours) by status, average and p95 duration, error rate, throughput per minute. */
  getWorkflowMetrics(options: MetricsQuery & CallOptions = {}): Promise<WorkflowMetrics> {
    return this.transport.request({
      method: 'GET',
      path: `/v1/monitor/workflow-metrics${query({ workflowId: options.workflowId, from: iso(options.from), to: iso(options.to) })}`,
      expect: fields({ totalExecutions: 'number' }),
      call: callOptionsOf(options),
    });
  }

  /** Step runs settled in the window per step type (and per workflow step with `byStep`): count, duration percentiles, queue wait p95, error rate, retries. */
  getStepMetrics(options: StepMetricsQuery & CallOptions = {}): Promise<StepMetrics> {
    return this.transport.request({
      method: 'GET',
      path: `/v1/monitor/step-metrics${query({ workflowId: options.workflowId, stepType: options.stepType, byStep: options.byStep === undefined ? undefined : String(options.byStep), from: iso(options.from), to: iso(options.to) })}`,
      expect: fields({ items: 'array' }),
      call: callOptionsOf(options),
    });
  }

  /** The cluster's health: `healthy`, `degraded` or `critical`, its components, issues and recommendations. */
  getHealthStatus(options?: CallOptions): Promise<HealthStatus> {
    return this.transport.request({
      method: 'GET',
      path: '/v1/monitor/health',
      expect: fields({ status: 'string', issues: 'array' }),
      call: callOptionsOf(options),
    });
  }

  /** The thresholds in force and the evaluation interval. */
  getSettings(options?: CallOptions): Promise<MonitorSettings> {
    return this.transport.request({ method: 'GET', path: '/v1/monitor/settings', expect: anObject, call: callOptionsOf(options) });
  }

  /** Changes some thresholds for every coordinator (admin); a value out of range refuses the call and changes nothing. */
  updateThresholds(thresholds: MonitorThresholds, options?: CallOptions): Promise<MonitorSettings> {
    return this.transport.request({ method: 'PATCH', path: '/v1/monitor/thresholds', body: thresholds, expect: anObject, call: callOptionsOf(options) });
  }

  /** Sets how often the leader evaluates alerts (admin); applies within a second. */
  startMonitoring(intervalMs: number, options?: CallOptions): Promise<MonitorSettings> {
    return this.transport.request({ method: 'PUT', path: '/v1/monitor/interval', body: { intervalMs }, expect: anObject, call: callOptionsOf(options) });
  }

  /** Creates or replaces a webhook sink (admin). An escalation strategy's `escalationHandler` may name it. */
  putAlertSink(name: string, sink: AlertSinkInput, options?: CallOptions): Promise<AlertSinkView> {
    return this.transport.request({
      method: 'PUT',
      path: `/v1/alert-sinks/${enc(name)}`,
      body: sink,
      expect: fields({ name: 'string' }),
      call: callOptionsOf(options),
    });
  }

  /** The namespace's sinks (all of them: `nextCursor` is null). */
  listAlertSinks(options?: CallOptions): Promise<Page<AlertSinkView>> {
    return pageOf(this.transport, '/v1/alert-sinks', options);
  }

  getAlertSink(name: string, options?: CallOptions): Promise<AlertSinkView> {
    return this.transport.request({ method: 'GET', path: `/v1/alert-sinks/${enc(name)}`, expect: fields({ name: 'string' }), call: callOptionsOf(options) });
  }

  async deleteAlertSink(name: string, options?: CallOptions): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: `/v1/alert-sinks/${enc(name)}`, expect: anything, call: callOptionsOf(options) });
  }

  /** A sink's deliveries, newest first, with their status, attempts and last answer; pass `nextCursor` as `cursor` for older ones. */
  getAlertDeliveries(name: string, options?: { limit?: number; cursor?: string } & CallOptions): Promise<Page<AlertDeliveryView>>;
  /** @deprecated Use `getAlertDeliveries(name, { limit })`, which answers `{ items, nextCursor }`. Kept for one release. */
  getAlertDeliveries(name: string, limit: number): Promise<AlertDeliveryView[]>;
  async getAlertDeliveries(
    name: string,
    options: ({ limit?: number; cursor?: string } & CallOptions) | number = {},
  ): Promise<Page<AlertDeliveryView> | AlertDeliveryView[]> {
    if (typeof options === 'number') return (await this.getAlertDeliveries(name, { limit: options })).items;
    return pageOf(this.transport, `/v1/alert-sinks/${enc(name)}/deliveries${query({ limit: options.limit, cursor: options.cursor })}`, options);
  }
}
