import { createEgressPolicy } from '@agentic-flow/executors';
import { Heartbeat, ResultReporter, StepCancellationPublisher, StepQueues, createRedisConnection } from '@agentic-flow/queue';
import { DEFAULT_DEFINITION_CAPS } from '@agentic-flow/definition-check';
import { ProcessExpressionEvaluator } from '@agentic-flow/sandbox';
import { appendAuditAlone, createDatabase, foldMetricDeltas, pruneMetricRollups } from '@agentic-flow/store';
import type { Logger } from '@agentic-flow/telemetry';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { CoordinatorConfig } from './config.js';
import { admitPending } from './executions/admission.js';
import { AdmissionScheduler } from './executions/admission-scheduler.js';
import { BackgroundEvaluations } from './expressions/background-evaluations.js';
import { ExpressionRunner } from './expressions/expression-runner.js';
import type { CoordinatorServices } from './executions/coordinator-services.js';
import { LeaderElection } from './maintenance/leader-election.js';
import { idempotencyKeyPruning } from './maintenance/idempotency-key-pruning.js';
import { MaintenanceLoop } from './maintenance/maintenance-loop.js';
import { SignalPoller } from './signals/signal-poller.js';
import { registerAccessControl } from './auth/access-control.js';
import { Authenticator } from './auth/authenticator.js';
import { FailedAttempts } from './auth/failed-attempts.js';
import { NamespaceDirectory } from './auth/namespace-directory.js';
import { OidcVerifier } from './auth/oidc-verifier.js';
import { RateLimiter } from './auth/rate-limiter.js';
import { registerApiKeyRoutes } from './http/api-key-routes.js';
import { registerAuditRoutes } from './http/audit-routes.js';
import { registerNamespaceRoutes } from './http/namespace-routes.js';
import { registerLifecycleRoutes } from './http/lifecycle-routes.js';
import { registerCircuitBreakerRoutes } from './http/circuit-breaker-routes.js';
import { registerDeadLetterRoutes } from './http/dead-letter-routes.js';
import { registerErrorRoutes } from './http/error-routes.js';
import { ExecutionStateCache } from './executions/state-cache.js';
import { registerExecutionRoutes } from './http/execution-routes.js';
import { registerHealthRoutes } from './http/health-routes.js';
import { registerMetricsRoutes } from './http/metrics-routes.js';
import { registerClusterCollector } from './metrics/cluster-collector.js';
import { CoordinatorMetrics } from './metrics/coordinator-metrics.js';
import { measuredApplier } from './metrics/measured-applier.js';
import { WORK_STEP_TYPES } from '@agentic-flow/spec';
import { registerEventRoutes } from './http/event-routes.js';
import { EventHub } from './events/event-hub.js';
import { createServer } from './http/server.js';
import { registerAlertSinkRoutes } from './http/alert-sink-routes.js';
import { registerMonitorRoutes } from './http/monitor-routes.js';
import { AlertDelivery } from './monitoring/alert-delivery.js';
import { AlertSinks } from './monitoring/alert-sinks.js';
import type { ClusterHealthDeps } from './monitoring/cluster-health.js';
import { MonitorEvaluator } from './monitoring/monitor-evaluator.js';
import { SinkSecrets } from './monitoring/sink-secrets.js';
import { registerWorkflowRoutes } from './http/workflow-routes.js';
import { createResultApplier } from './results/result-applier.js';
import { tracedApplier } from './results/traced-applier.js';
import { ResultConsumer } from './results/result-consumer.js';
import { ChildExecutions } from './executions/child-executions.js';
import { DefinitionChecker } from './workflows/definition-checker.js';
import { StrategyRegistry } from './workflows/strategy-registry.js';
import { WorkflowRegistry } from './workflows/workflow-registry.js';

export interface Coordinator {
  /** Listens for HTTP and starts consuming results; resolves with the bound address. */
  start(): Promise<{ host: string; port: number }>;
  /** Stops taking requests and results, waits for in-flight transactions, closes connections. */
  stop(): Promise<void>;
}

/** The composition root: wires store, queues, engine and HTTP API from a validated config. */
export function createCoordinator(config: CoordinatorConfig, logger: Logger, now: () => number = Date.now): Coordinator {
  const database = createDatabase(config.DATABASE_URL, {
    max: config.DATABASE_POOL_SIZE,
    applicationName: 'agentic-flow-coordinator',
    onError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  const producer = createRedisConnection(config.REDIS_URL, { role: 'producer', connectionName: 'af-coordinator' });
  const blocking = createRedisConnection(config.REDIS_URL, { role: 'blocking', connectionName: 'af-coordinator-results' });
  for (const connection of [producer, blocking]) connection.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  const queues = new StepQueues({ connection: producer, prefix: config.BULLMQ_PREFIX });
  // Expressions that are more than property reads and comparisons run in sandbox processes: one
  // that makes V8 abort takes down its process, not the coordinator.
  const sandbox = new ProcessExpressionEvaluator({
    processes: config.EXPRESSION_PROCESSES,
    maxProcesses: Math.max(config.EXPRESSION_PROCESSES, config.EXPRESSION_MAX_PROCESSES),
  });
  const expressions = new ExpressionRunner(sandbox, { timeoutMs: config.EXPRESSION_TIMEOUT_MS });
  const reporter = new ResultReporter(producer, config.BULLMQ_PREFIX);
  const publish = (entry: Parameters<ResultReporter['report']>[0]): Promise<void> => reporter.report(entry);
  const metrics = new CoordinatorMetrics();
  registerClusterCollector({
    registry: metrics.registry,
    queues,
    redis: producer,
    prefix: config.BULLMQ_PREFIX,
    stepTypes: WORK_STEP_TYPES,
    expressionPool: () => sandbox.stats(),
  });
  const checker = new DefinitionChecker();
  const registry = new WorkflowRegistry(database.db, {
    cacheSize: 1000,
    now,
    checker,
    caps: {
      scriptMaxTimeoutMs: config.SCRIPT_MAX_TIMEOUT_MS,
      scriptMaxMemoryMb: config.SCRIPT_MAX_MEMORY_MB,
      scriptModules: DEFAULT_DEFINITION_CAPS.scriptModules,
    },
  });
  const strategies = new StrategyRegistry(database.db, logger);
  const hub = new EventHub({ pool: database.pool, databaseUrl: config.DATABASE_URL, logger, pollMs: config.EVENT_POLL_MS });
  const deps: CoordinatorServices = {
    db: database.db,
    pool: database.pool,
    registry,
    strategies,
    queues,
    cancellations: new StepCancellationPublisher({ connection: producer, prefix: config.BULLMQ_PREFIX }),
    logger,
    now,
    expressions,
    background: new BackgroundEvaluations({ runner: expressions, publish, logger }),
    publish,
    inlineBudgetMs: config.EXPRESSION_INLINE_BUDGET_MS,
    maxStateBytes: config.MAX_EXECUTION_STATE_BYTES,
    cache: new ExecutionStateCache(config.STATE_CACHE_SIZE),
    maxConcurrentWorkflows: config.MAX_CONCURRENT_WORKFLOWS,
    snapshotIntervalMs: config.ENABLE_SNAPSHOTS ? config.SNAPSHOT_INTERVAL_MS : null,
    metrics,
    maxWorkflowDepth: config.MAX_WORKFLOW_DEPTH,
    maxStepsPerExecution: config.MAX_STEPS_PER_EXECUTION,
    branchStartsPerTransition: config.BRANCH_STARTS_PER_TRANSITION,
    onSettled: (settled) => {
      for (const { executionId, workflowId, status } of settled) {
        deps.background.forget(executionId);
        metrics.executionsFinished.inc({ workflow: workflowId, status });
      }
      if (config.MAX_CONCURRENT_WORKFLOWS > 0) admission.request();
    },
    admitNow: () => admitPending(deps, config.MAX_CONCURRENT_WORKFLOWS),
    eventsWritten: () => hub.written(),
    signalsWritten: (dueAt) => signals.wake(dueAt),
  };
  const children = new ChildExecutions(deps, { maxDescendantExecutions: config.MAX_DESCENDANT_EXECUTIONS });
  deps.children = children;
  const signals = new SignalPoller(deps, { intervalMs: config.SIGNAL_POLL_MS, registry: metrics.registry });
  const admission = new AdmissionScheduler(() => deps.admitNow(), logger);
  const processId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  let heartbeat: Heartbeat | undefined;
  // A change of leader is announced in a heartbeat at once: health shows who leads without a 5 s lag.
  const election = new LeaderElection(config.DATABASE_URL, logger, () => heartbeat?.beat());
  // Monitoring: alert deliveries (every coordinator works them), the leader's evaluation, heartbeats.
  const sinkSecrets = new SinkSecrets(config.sinkSecrets, config.AF_SECRETS_DIR);
  const alertsBlocking = createRedisConnection(config.REDIS_URL, { role: 'blocking', connectionName: 'af-coordinator-alerts' });
  alertsBlocking.on('error', (error) => logger.warn({ err: error }, 'redis connection error (alert deliveries)'));
  const alertDelivery = new AlertDelivery({
    pool: database.pool,
    connection: producer,
    blocking: alertsBlocking,
    prefix: config.BULLMQ_PREFIX,
    secrets: sinkSecrets,
    egress: createEgressPolicy({ allow: config.EGRESS_ALLOW }),
    attempts: config.ALERT_DELIVERY_ATTEMPTS,
    backoffMs: config.ALERT_DELIVERY_BACKOFF_MS,
    timeoutMs: config.ALERT_DELIVERY_TIMEOUT_MS,
    logger,
    now,
  });
  const dispatchAlerts = () =>
    alertDelivery.dispatch().catch((error: unknown) => logger.warn({ err: error }, 'alert deliveries not dispatched; next interval'));
  const health: ClusterHealthDeps = { pool: database.pool, redis: producer, queues, prefix: config.BULLMQ_PREFIX, stepTypes: WORK_STEP_TYPES, now };
  const monitor = new MonitorEvaluator({ ...health, leading: () => election.leading, onAlerts: () => void dispatchAlerts(), logger });
  let lastPrune = 0;
  const maintenance = new MaintenanceLoop(
    deps,
    election,
    {
      intervalMs: config.MAINTENANCE_INTERVAL_MS,
      reconcileGraceMs: config.RECONCILE_GRACE_MS,
      poisonThreshold: config.POISON_THRESHOLD,
      eventRetentionMs: config.EVENT_RETENTION_MS,
      tasks: [
        ['fold metric deltas', () => foldMetricDeltas(database.pool)],
        [
          'prune metric rollups',
          async () => {
            if (now() - lastPrune < 3_600_000) return;
            lastPrune = now();
            await pruneMetricRollups(database.pool, new Date(now() - config.METRICS_RETENTION_DAYS * 86_400_000));
          },
        ],
        ['dispatch alert deliveries', () => alertDelivery.dispatch()],
        ['prune idempotency keys', idempotencyKeyPruning(database.pool, now, logger)],
        ['reconcile child executions', () => children.reconcile(config.RECONCILE_GRACE_MS)],
      ],
    },
    logger,
  );

  const server = createServer({ logger, bodyLimit: config.BODY_LIMIT, corsOrigins: config.CORS_ORIGINS });
  const oidc =
    config.OIDC_JWKS_URL === undefined
      ? undefined
      : new OidcVerifier({
          jwksUrl: config.OIDC_JWKS_URL,
          issuer: config.OIDC_ISSUER!,
          audience: config.OIDC_AUDIENCE!,
          roleClaim: config.OIDC_ROLE_CLAIM,
          roleMap: config.OIDC_ROLE_MAP,
          namespacesClaim: config.OIDC_NAMESPACES_CLAIM,
        });
  const authenticator = new Authenticator({
    db: database.db,
    logger,
    bootstrapKey: config.AF_BOOTSTRAP_ADMIN_KEY,
    oidc,
    cacheTtlMs: config.KEY_CACHE_TTL_MS,
    now,
  });
  const namespaces = new NamespaceDirectory(database.db);
  // Before any route: a route registered without an access policy stops the start.
  registerAccessControl(server, {
    mode: config.AUTH_MODE,
    authenticator,
    namespaces,
    failedAttempts: new FailedAttempts(config.AUTH_FAILURE_LIMIT),
    rateLimiter:
      config.RATE_LIMIT_MAX === 0
        ? undefined
        : new RateLimiter(producer, { prefix: config.BULLMQ_PREFIX, limit: config.RATE_LIMIT_MAX, windowMs: config.RATE_LIMIT_WINDOW_MS, logger }),
    writeAudit: (entry) => appendAuditAlone(database.db, entry),
    logger,
  });
  registerApiKeyRoutes(server, { db: database.db, authenticator, namespaces, now });
  registerNamespaceRoutes(server, { db: database.db, namespaces });
  registerAuditRoutes(server, { db: database.db });
  registerHealthRoutes(server, { pool: database.pool, redis: producer });
  registerMetricsRoutes(server, { registry: metrics.registry, token: config.METRICS_TOKEN });
  registerWorkflowRoutes(server, deps);
  registerExecutionRoutes(server, deps);
  registerLifecycleRoutes(server, deps);
  registerErrorRoutes(server, deps);
  registerEventRoutes(server, { pool: database.pool, hub, heartbeatMs: config.EVENT_HEARTBEAT_MS });
  registerDeadLetterRoutes(server, deps);
  registerCircuitBreakerRoutes(server, { redis: producer, prefix: config.BULLMQ_PREFIX });
  registerMonitorRoutes(server, health);
  registerAlertSinkRoutes(server, { pool: database.pool, sinks: new AlertSinks(database.pool, sinkSecrets) });

  const results = new ResultConsumer({
    blocking,
    commands: producer,
    prefix: config.BULLMQ_PREFIX,
    consumer: processId,
    batchSize: config.RESULT_BATCH_SIZE,
    claimIdleMs: config.RESULT_CLAIM_IDLE_MS,
    apply: measuredApplier(
      tracedApplier((pool) => createResultApplier({ ...deps, pool }), deps.pool),
      metrics,
    ),
    publish,
    poisonThreshold: config.POISON_THRESHOLD,
    logger,
  });

  return {
    async start() {
      // Strategies first: a result applied before they load would fail a step they would have recovered.
      await strategies.start();
      if (config.AUTH_MODE === 'none') logger.warn('AUTH_MODE=none: every caller is an admin of every namespace; do not expose this coordinator');
      else if (config.AF_BOOTSTRAP_ADMIN_KEY !== undefined) logger.warn('AF_BOOTSTRAP_ADMIN_KEY is set: create admin keys with it, then unset it');
      authenticator.start();
      await sandbox.warm();
      await server.listen({ host: config.HOST, port: config.PORT });
      await results.start();
      maintenance.start();
      signals.start();
      alertDelivery.start();
      monitor.start();
      heartbeat = new Heartbeat({
        connection: producer,
        prefix: config.BULLMQ_PREFIX,
        role: 'coordinator',
        id: processId,
        describe: () => ({ leader: election.leading, host: hostname(), pid: process.pid }),
      });
      const address = server.server.address() as AddressInfo;
      return { host: address.address, port: address.port };
    },
    async stop() {
      // Open event streams never end on their own: end them, or the server would wait for them.
      await hub.close();
      await server.close();
      await authenticator.stop();
      await heartbeat?.stop();
      await monitor.stop();
      await maintenance.stop();
      await signals.stop();
      await alertDelivery.close();
      alertsBlocking.disconnect();
      strategies.stop();
      await results.close();
      await queues.close();
      producer.disconnect();
      blocking.disconnect();
      await database.close();
      await sandbox.close();
      await checker.close();
    },
  };
}
