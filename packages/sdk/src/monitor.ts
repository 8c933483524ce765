import type {
  AlertDeliveryView,
  AlertSinkInput,
  AlertSinkView,
  AlertView,
  HealthStatus,
  MetricsQuery,
  MonitorSettings,
  MonitorThresholds,
  StepMetrics,
  StepMetricsQuery,
  WorkflowMetrics,
} from '@agentic-flow/spec';
import { enc, query, type Transport } from './transport.js';

const iso = (value: string | Date | undefined): string | undefined => (value instanceof Date ? value.toISOString() : value);

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

  /** Recent alerts (escalations waiting for a human, threshold breaches and their resolution, …), newest first; `limit` 1–500, default 50. */
  async getAlerts(limit?: number): Promise<AlertView[]> {
    return (await this.transport.request<{ items: AlertView[] }>('GET', `/v1/alerts${query({ limit })}`)).items;
  }

  /** Executions settled in [from, to) (default the last 24 hours) by status, average and p95 duration, error rate, throughput per minute. */
  async getWorkflowMetrics(options: MetricsQuery = {}): Promise<WorkflowMetrics> {
    return this.transport.request('GET', `/v1/monitor/workflow-metrics${query({ workflowId: options.workflowId, from: iso(options.from), to: iso(options.to) })}`);
  }

  /** Step runs settled in the window per step type (and per workflow step with `byStep`): count, duration percentiles, queue wait p95, error rate, retries. */
  async getStepMetrics(options: StepMetricsQuery = {}): Promise<StepMetrics> {
    return this.transport.request(
      'GET',
      `/v1/monitor/step-metrics${query({ workflowId: options.workflowId, stepType: options.stepType, byStep: options.byStep === undefined ? undefined : String(options.byStep), from: iso(options.from), to: iso(options.to) })}`,
    );
  }

  /** The cluster's health: `healthy`, `degraded` or `critical`, its components, issues and recommendations. */
  async getHealthStatus(): Promise<HealthStatus> {
    return this.transport.request('GET', '/v1/monitor/health');
  }

  /** The thresholds in force and the evaluation interval. */
  async getSettings(): Promise<MonitorSettings> {
    return this.transport.request('GET', '/v1/monitor/settings');
  }

  /** Changes some thresholds for every coordinator (admin); a value out of range refuses the call and changes nothing. */
  async updateThresholds(thresholds: MonitorThresholds): Promise<MonitorSettings> {
    return this.transport.request('PATCH', '/v1/monitor/thresholds', thresholds);
  }

  /** Sets how often the leader evaluates alerts (admin); applies within a second. */
  async startMonitoring(intervalMs: number): Promise<MonitorSettings> {
    return this.transport.request('PUT', '/v1/monitor/interval', { intervalMs });
  }

  /** Creates or replaces a webhook sink (admin). An escalation strategy's `escalationHandler` may name it. */
  async putAlertSink(name: string, sink: AlertSinkInput): Promise<AlertSinkView> {
    return this.transport.request('PUT', `/v1/alert-sinks/${enc(name)}`, sink);
  }

  async listAlertSinks(): Promise<AlertSinkView[]> {
    return (await this.transport.request<{ items: AlertSinkView[] }>('GET', '/v1/alert-sinks')).items;
  }

  async getAlertSink(name: string): Promise<AlertSinkView> {
    return this.transport.request('GET', `/v1/alert-sinks/${enc(name)}`);
  }

  async deleteAlertSink(name: string): Promise<void> {
    await this.transport.request('DELETE', `/v1/alert-sinks/${enc(name)}`);
  }

  /** A sink's deliveries, newest first, with their status, attempts and last answer. */
  async getAlertDeliveries(name: string, limit?: number): Promise<AlertDeliveryView[]> {
    return (await this.transport.request<{ items: AlertDeliveryView[] }>('GET', `/v1/alert-sinks/${enc(name)}/deliveries${query({ limit })}`)).items;
  }
}
