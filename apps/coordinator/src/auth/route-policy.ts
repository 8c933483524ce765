import type { Permission } from './roles.js';

/** A route anyone may call: probes, which must answer load balancers without a credential. */
export interface PublicRoute {
  access: 'public';
}

export interface GuardedRoute {
  access: 'guarded';
  permission: Permission;
  /** The audit log's name for the call, e.g. `execution.cancel`. */
  action: string;
}

export type RoutePolicy = PublicRoute | GuardedRoute;

const guard = (permission: Permission, action: string): GuardedRoute => ({ access: 'guarded', permission, action });

/**
 * Every route and what it needs, in one table. A route registered without an entry here stops the
 * coordinator at startup (`auth-hook.ts`), and the route × role test is generated from this table,
 * so no route can be added unguarded. Calls other than GET change something and are audited.
 */
export const ROUTE_POLICIES: Readonly<Record<string, RoutePolicy>> = {
  'GET /healthz': { access: 'public' },
  'GET /readyz': { access: 'public' },
  // Prometheus scrapes without an API key (keys are per namespace; metrics are the cluster's); set
  // METRICS_TOKEN to require a bearer token of its own (checked by the route: metrics-routes.ts).
  'GET /metrics': { access: 'public' },
  // CORS preflights (registered only when CORS_ORIGINS is set) carry no credential by design.
  'OPTIONS *': { access: 'public' },

  'POST /v1/workflows': guard('edit', 'workflow.register'),
  'GET /v1/workflows': guard('read', 'workflow.list'),
  'GET /v1/workflows/:workflowId': guard('read', 'workflow.get'),
  'GET /v1/workflows/:workflowId/versions/:version': guard('read', 'workflow.get-version'),
  'POST /v1/workflows/:workflowId/executions': guard('operate', 'execution.start'),

  'GET /v1/executions': guard('read', 'execution.list'),
  'GET /v1/executions/:executionId': guard('read', 'execution.get'),
  'GET /v1/executions/:executionId/steps/:stepRunId': guard('read', 'execution.get-step'),
  'GET /v1/executions/:executionId/logs': guard('read', 'execution.logs'),
  'GET /v1/executions/:executionId/transcripts': guard('read', 'execution.transcripts'),
  'POST /v1/executions/:executionId/pause': guard('operate', 'execution.pause'),
  'POST /v1/executions/:executionId/resume': guard('operate', 'execution.resume'),
  'POST /v1/executions/:executionId/cancel': guard('operate', 'execution.cancel'),
  'POST /v1/executions/:executionId/snapshots': guard('operate', 'snapshot.create'),
  'GET /v1/executions/:executionId/snapshots': guard('read', 'snapshot.list'),
  'POST /v1/executions/:executionId/snapshots/:snapshotId/restore': guard('operate', 'snapshot.restore'),
  'PUT /v1/executions/:executionId/auto-snapshots': guard('operate', 'snapshot.auto'),

  'PUT /v1/recovery-strategies/:target': guard('edit', 'strategy.put'),
  'GET /v1/recovery-strategies': guard('read', 'strategy.list'),
  'DELETE /v1/recovery-strategies/:target': guard('edit', 'strategy.delete'),
  'GET /v1/errors': guard('read', 'error.list'),
  'GET /v1/errors/statistics': guard('read', 'error.statistics'),
  'GET /v1/errors/:errorId': guard('read', 'error.get'),
  'POST /v1/errors/:errorId/resolve': guard('operate', 'error.resolve'),
  'GET /v1/alerts': guard('read', 'alert.list'),
  'GET /v1/events': guard('read', 'event.stream'),

  'GET /v1/monitor/workflow-metrics': guard('read', 'monitor.workflow-metrics'),
  'GET /v1/monitor/step-metrics': guard('read', 'monitor.step-metrics'),
  'GET /v1/monitor/health': guard('read', 'monitor.health'),
  'GET /v1/monitor/settings': guard('read', 'monitor.settings'),
  // The thresholds and interval are the cluster's: one set every coordinator evaluates.
  'PATCH /v1/monitor/thresholds': guard('admin', 'monitor.thresholds'),
  'PUT /v1/monitor/interval': guard('admin', 'monitor.interval'),
  'PUT /v1/alert-sinks/:name': guard('admin', 'alert-sink.put'),
  'GET /v1/alert-sinks': guard('read', 'alert-sink.list'),
  'GET /v1/alert-sinks/:name': guard('read', 'alert-sink.get'),
  'GET /v1/alert-sinks/:name/deliveries': guard('read', 'alert-sink.deliveries'),
  'DELETE /v1/alert-sinks/:name': guard('admin', 'alert-sink.delete'),

  'GET /v1/dead-letter': guard('read', 'dead-letter.list'),
  'GET /v1/dead-letter/:stepType/:jobId': guard('read', 'dead-letter.get'),
  'POST /v1/dead-letter/:stepType/:jobId/retry': guard('operate', 'dead-letter.retry'),
  'DELETE /v1/dead-letter/:stepType/:jobId': guard('operate', 'dead-letter.discard'),

  'GET /v1/circuit-breakers': guard('read', 'circuit-breaker.list'),
  'PUT /v1/circuit-breakers/config': guard('admin', 'circuit-breaker.configure'),
  'DELETE /v1/circuit-breakers/:key': guard('admin', 'circuit-breaker.reset'),

  'POST /v1/api-keys': guard('admin', 'api-key.create'),
  'GET /v1/api-keys': guard('admin', 'api-key.list'),
  'DELETE /v1/api-keys/:keyId': guard('admin', 'api-key.revoke'),
  'POST /v1/namespaces': guard('admin', 'namespace.create'),
  'GET /v1/namespaces': guard('read', 'namespace.list'),
  'GET /v1/audit': guard('admin', 'audit.list'),
  'GET /v1/audit/verify': guard('admin', 'audit.verify'),
};

export function routeKey(method: string, url: string): string {
  return `${method} ${url}`;
}

/** Calls that change something; each is audited, whatever its outcome. */
export function isMutating(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}
