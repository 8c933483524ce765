export { AgenticFlowClient } from './client.js';
export type { AgenticFlowClientOptions, GetExecutionOptions, WaitOptions } from './client.js';
export { AgenticFlowError, WaitTimeoutError } from './errors.js';
export { SseParser } from './sse-parser.js';
export type { SseMessage } from './sse-parser.js';
export { eventsPath } from './event-stream.js';
export type { EventHandler, EventStreamOptions, EventSubscription, StreamItem } from './event-stream.js';
export { WorkflowErrorHandler } from './error-handler.js';
export type { RecoveryStrategyInput, StrategyTarget } from './error-handler.js';
export { WorkflowMonitor } from './monitor.js';
export { AccessAdmin } from './access.js';
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
} from '@agentic-flow/spec';
