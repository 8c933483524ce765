export {
  workflowDefinitions,
  workflowExecutions,
  stepRuns,
  workflowSnapshots,
  workflowLogs,
} from './schema/index.js';
export { EXECUTION_STATUSES, STEP_RUN_STATUSES, SNAPSHOT_KINDS, LOG_LEVELS } from './schema/statuses.js';
export type { SnapshotKind, LogLevel } from './schema/statuses.js';
export type {
  DefinitionRow,
  NewDefinitionRow,
  ExecutionRow,
  NewExecutionRow,
  StepRunRow,
  StepRunSummaryRow,
  NewStepRunRow,
  SnapshotRow,
  NewSnapshotRow,
  LogRow,
  NewLogRow,
} from './rows.js';
export { createDatabase } from './database.js';
export type { CreateDatabaseOptions, Database, DatabaseHandle } from './database.js';
export { migrateDatabase, MIGRATION_LOCK_KEY } from './migrate.js';
export { migrationStatus } from './migration-status.js';
export type { MigrateOptions } from './migrate.js';
export { StoreError, STORE_ERROR_CODES } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export type { DbExecutor, Transaction } from './repositories/db-executor.js';
export { InvalidCursorError, encodeCursor, decodeCursor, uuidKey } from './repositories/keyset-cursor.js';
export type { CursorKey, KeysetPosition } from './repositories/keyset-cursor.js';
export { insertDefinition, findDefinition, listDefinitions } from './repositories/definitions-repository.js';
export type { NewDefinition, InsertDefinitionOutcome, DefinitionPage } from './repositories/definitions-repository.js';
export { executionExists, findExecution, findExecutionNodes, findExecutionOverview, listExecutions } from './repositories/executions-repository.js';
export type { EscalationRow, ExecutionOverviewRow, ExecutionSummaryRow, ListExecutionsOptions } from './repositories/executions-repository.js';
export { findStepRun, listStepRuns, listStepRunSummaries, listTranscripts, namespacesOfRuns } from './repositories/step-runs-repository.js';
export type { TranscriptRow } from './repositories/step-runs-repository.js';
export { pageStepRunSummaries, pageStepRuns } from './repositories/step-run-pages.js';
export type { StepRunPage, StepRunPageOptions } from './repositories/step-run-pages.js';
export { listLogs } from './repositories/logs-repository.js';
export { runTransition, runOptimisticTransition, runWrites } from './transition-batch.js';
export { IDEMPOTENCY_KEY_TAKEN } from './sql/idempotency-keys.js';
export type { NewIdempotencyKey } from './sql/idempotency-keys.js';
export { findIdempotentStart, pruneIdempotencyKeys } from './repositories/idempotency-keys-repository.js';
export type { IdempotentStart } from './repositories/idempotency-keys-repository.js';
export { lockExecutionWithSignalsSql } from './sql/step-signals.js';
export type { ClaimedStepSignal, NewStepSignal } from './sql/step-signals.js';
export { dueSignalExecutions, pendingSignalCount, postponeStepSignals } from './repositories/step-signals-repository.js';
export type { DueSignalExecution } from './repositories/step-signals-repository.js';
export type { TransitionOutcome, TransitionReads, TransitionWrites } from './transition-batch.js';
export type { OptimisticTransition } from './sql/optimistic-transition.js';
export type { ChangedNodes } from './sql/execution-nodes.js';
export { INLINE_NODE_LIMIT, storesNodesInline } from './sql/execution-nodes.js';
export type { HeldState } from './sql/execution-nodes.js';
export type {
  ExecutionUpdate,
  ExecutionVersion,
  LockedExecution,
  NewExecution,
  NewLog,
  StepRunCompletion,
  StepRunKey,
  StepRunWrite,
} from './sql/statements.js';
export { snapshotExecution, listSnapshots, findSnapshot, takeDueSnapshots, setSnapshotInterval } from './repositories/snapshots-repository.js';
export type { SnapshotSummary } from './repositories/snapshots-repository.js';
export { inFlightRuns } from './repositories/in-flight-runs.js';
export { childOfRun, executionFamily, latestChild, orphanedChildren, setParentAttempt, waitingWorkflowRuns } from './repositories/child-executions.js';
export type { ChildLink, WaitingWorkflowRun } from './repositories/child-executions.js';
export { liveDescendants } from './repositories/live-descendants.js';
export type { LiveDescendants } from './repositories/live-descendants.js';
export type { InFlightRun } from './repositories/in-flight-runs.js';
export { ADMISSION_LOCK_KEY, admissibleExecutionsSql, lockExecutionsSql } from './sql/statements.js';
export type { NewError } from './sql/errors.js';
export { errors, alerts, recoveryStrategies } from './schema/index.js';
export { findError, findOpenError, listErrors, countErrors, listAlerts } from './repositories/errors-repository.js';
export type { ErrorRow, AlertRow, ErrorCount } from './repositories/errors-repository.js';
export { upsertStrategy, listStrategies, deleteStrategy } from './repositories/recovery-strategies-repository.js';
export type { StoredStrategy, StrategyKey } from './repositories/recovery-strategies-repository.js';
export { namespaces } from './schema/index.js';
export { createNamespace, listNamespaces, namespaceExists } from './repositories/namespaces-repository.js';
export type { NamespaceRow } from './repositories/namespaces-repository.js';
export { apiKeys, auditLog } from './schema/index.js';
export { API_KEY_ROLES } from './schema/statuses.js';
export type { ApiKeyRole } from './schema/statuses.js';
export { insertApiKey, findApiKey, listApiKeys, revokeApiKey, touchApiKeys } from './repositories/api-keys-repository.js';
export type { ApiKeyRow, NewApiKey } from './repositories/api-keys-repository.js';
export { appendAudit, appendAuditAlone, listAudit, runInTransactionWithAudit, verifyAuditChain } from './repositories/audit-repository.js';
export type { AuditRow, AuditVerification, ListAuditOptions } from './repositories/audit-repository.js';
export { AUDIT_LOCK_KEY, auditRecord } from './sql/audit.js';
export type { AuditEntry } from './sql/audit.js';
export { events, eventStream } from './schema/index.js';
export { EVENT_TYPES } from './schema/statuses.js';
export type { EventType } from './schema/statuses.js';
export { ALERT_EVENT_COLUMNS, EVENTS_CHANNEL, alertEventsSql, insertEventsSql } from './sql/events.js';
export type { NewEvent } from './sql/events.js';
export { assignEventPositions, eventStreamTip, pruneEvents, readEvents } from './repositories/events-repository.js';
export type { EventRow, ReadEventsOptions } from './repositories/events-repository.js';
export { workflowMetrics, stepMetrics, foldMetricDeltas, pruneMetricRollups } from './metrics/metrics-repository.js';
export type { MetricsWindow, WorkflowMetricsRow, StepMetricsRow } from './metrics/metrics-repository.js';
export { histogramIndex, histogramQuantile, histogramValue } from './metrics/duration-histogram.js';
export { readMonitorSettings, updateMonitorSettings, applyConditions, namespaceNames, runPoolTransactionWithAudit } from './metrics/monitor-repository.js';
export type { MonitorSettingsRow, ObservedCondition, ConditionChanges } from './metrics/monitor-repository.js';
export {
  ALERT_SINK_FORMATS,
  ALERT_DELIVERY_STATUSES,
  upsertAlertSink,
  listAlertSinks,
  findAlertSink,
  deleteAlertSink,
  listAlertDeliveries,
  loadDeliveryWork,
  claimPendingDeliveries,
  releaseDeliveries,
  recordDeliveryAttempt,
} from './metrics/alert-sinks-repository.js';
export type { AlertSinkFormat, AlertDeliveryStatus, AlertSinkRow, AlertDeliveryRow, DeliveryWork } from './metrics/alert-sinks-repository.js';
