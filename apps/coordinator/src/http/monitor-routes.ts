import type { HealthStatus, MonitorSettings, StepMetrics, WorkflowMetrics } from '@agentic-flow/spec';
import {
  readMonitorSettings,
  runPoolTransactionWithAudit,
  stepMetrics,
  updateMonitorSettings,
  workflowMetrics,
  type MonitorSettingsRow,
} from '@agentic-flow/store';
import type { FastifyInstance } from 'fastify';
import { collectClusterComponents, type ClusterHealthDeps } from '../monitoring/cluster-health.js';
import { assessHealth } from '../monitoring/health-assessment.js';
import { effectiveThresholds, IntervalSchema, ThresholdsSchema } from '../monitoring/thresholds.js';
import { StepMetricsQuerySchema, WorkflowMetricsQuerySchema } from './monitor-schemas.js';
import { namespaceOf } from './request-context.js';
import { parseRequest } from './request-schemas.js';

function settingsView(row: MonitorSettingsRow): MonitorSettings {
  return { thresholds: effectiveThresholds(row.thresholds), intervalMs: row.intervalMs, updatedAt: row.updatedAt.toISOString() };
}

/**
 * The seed's `WorkflowMonitor` over HTTP: metrics of the request's namespace, the cluster's health,
 * and the cluster's thresholds and evaluation interval (shared by every coordinator through
 * PostgreSQL; the leader evaluates them).
 */
export function registerMonitorRoutes(app: FastifyInstance, deps: ClusterHealthDeps): void {
  /** `getWorkflowMetrics({ workflowId?, from?, to? })`. */
  app.get('/v1/monitor/workflow-metrics', async (request): Promise<WorkflowMetrics> => {
    const query = parseRequest(WorkflowMetricsQuerySchema, request.query, 'query');
    const metrics = await workflowMetrics(deps.pool, { namespace: namespaceOf(request), ...query });
    return { from: query.from.toISOString(), to: query.to.toISOString(), workflowId: query.workflowId ?? null, ...metrics };
  });

  /** `getStepMetrics({ workflowId?, stepType?, from?, to?, byStep? })`. */
  app.get('/v1/monitor/step-metrics', async (request): Promise<StepMetrics> => {
    const query = parseRequest(StepMetricsQuerySchema, request.query, 'query');
    const items = await stepMetrics(deps.pool, { namespace: namespaceOf(request), ...query, byStep: query.byStep ?? false });
    return { from: query.from.toISOString(), to: query.to.toISOString(), items };
  });

  /** `getHealthStatus()`: the cluster's, the same in every namespace. */
  app.get('/v1/monitor/health', async (): Promise<HealthStatus> => {
    const [components, settings] = await Promise.all([collectClusterComponents(deps), readMonitorSettings(deps.pool).catch(() => undefined)]);
    const { status, issues, recommendations } = assessHealth(components, effectiveThresholds(settings?.thresholds ?? {}));
    return { status, checkedAt: new Date(deps.now()).toISOString(), components: components as HealthStatus['components'], issues, recommendations };
  });

  app.get('/v1/monitor/settings', async (): Promise<MonitorSettings> => settingsView(await readMonitorSettings(deps.pool)));

  /** `updateThresholds(partial)`: merged into the stored ones; any value out of range refuses the whole call. */
  app.patch('/v1/monitor/thresholds', async (request): Promise<MonitorSettings> => {
    const thresholds = parseRequest(ThresholdsSchema, request.body, 'body');
    const row = await runPoolTransactionWithAudit(deps.pool, request.audit?.take(), (tx) =>
      updateMonitorSettings(tx, { thresholds: thresholds as Record<string, number | null> }),
    );
    request.audit?.confirm();
    return settingsView(row);
  });

  /** `startMonitoring(intervalMs)`: the leader evaluates alerts this often (applies within a second). */
  app.put('/v1/monitor/interval', async (request): Promise<MonitorSettings> => {
    const { intervalMs } = parseRequest(IntervalSchema, request.body, 'body');
    const row = await runPoolTransactionWithAudit(deps.pool, request.audit?.take(), (tx) => updateMonitorSettings(tx, { intervalMs }));
    request.audit?.confirm();
    return settingsView(row);
  });
}
