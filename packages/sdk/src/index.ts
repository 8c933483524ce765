export { AgenticFlowClient } from './client.js';
export type { AgenticFlowClientOptions, GetExecutionOptions, StartOptions, StepRunsOptions } from './client.js';
export type { CallOptions } from './call-options.js';
export type { RetryOptions } from './retry-policy.js';
export { AgenticFlowError, AbortedError, BadResponseError, ConnectionError, HttpError, SDK_ERROR_CODES, TimeoutError } from './errors.js';
export type { SdkErrorCode } from './errors.js';
export { ExecutionEscalatedError, ExecutionFailedError, WaitTimeoutError } from './execution-errors.js';
export { ExecutionHandle } from './execution-handle.js';
export type { ExecutionDescription } from './execution-handle.js';
export { executionStateOf } from './execution-state.js';
export type { Escalation, ExecutionState } from './execution-state.js';
export type { WaitOptions } from './execution-waiter.js';
export { defineWorkflow } from './define-workflow.js';
export type { ReadonlyDeep, ResultsOf, StepIdsOf, WorkflowDefinitionLike } from './define-workflow.js';
export { SseParser } from './sse-parser.js';
export type { SseMessage } from './sse-parser.js';
export { eventsPath } from './event-stream.js';
export type { EventHandler, EventStreamOptions, EventSubscription, StreamItem } from './event-stream.js';
export { WorkflowErrorHandler } from './error-handler.js';
export type { DeadLetterList, ListErrorsOptions, RecoveryStrategyInput, StrategyTarget } from './error-handler.js';
export { WorkflowMonitor } from './monitor.js';
export type { ListAlertsOptions } from './monitor.js';
export { AccessAdmin } from './access.js';
export type { AuditLogOptions } from './access.js';
export type {
  AgentRunView,
  ApiKeyRole,
  ApiKeyView,
  AuditEntryView,
  AuditOutcome,
  AuditVerification,
  CreateApiKeyInput,
  ExecutionUsage,
  TokenUsage,
  TranscriptEntry,
  TranscriptView,
  AlertView,
  CircuitBreakerSettings,
  CircuitBreakerView,
  CircuitBreakersView,
  DeadLetterEntry,
  DeadLetterPage,
  DeadLetterRetryResult,
  DeadLetterSummary,
  ErrorResolutionInput,
  ErrorStatistics,
  ErrorView,
  EventFilter,
  EventType,
  FlowEvent,
  StreamGapEvent,
  RecoveryStrategy,
  RegisteredStrategy,
  CreateWorkflowResult,
  ExecutionStatus,
  ExecutionInclude,
  ExecutionOverview,
  ChildExecutionView,
  ExecutionSummary,
  ExecutionView,
  LifecycleResult,
  ListExecutionsFilter,
  LogEntryView,
  Page,
  SnapshotView,
  Problem,
  StepRunSummary,
  StepRunView,
  WorkflowDefinition,
  WorkflowDefinitionInput,
  WorkflowSummary,
  // What the monitor answers and takes.
  AlertDeliveryView,
  AlertSinkEvent,
  AlertSinkInput,
  AlertSinkView,
  HealthLevel,
  HealthStatus,
  MetricsQuery,
  MonitorSettings,
  MonitorThresholds,
  StepMetrics,
  StepMetricsEntry,
  StepMetricsQuery,
  WorkflowMetrics,
} from '@agentic-flow/spec';
