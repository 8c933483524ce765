export { AgenticFlowClient } from './client.js';
export type { AgenticFlowClientOptions, GetExecutionOptions, WaitOptions } from './client.js';
export { AgenticFlowError, WaitTimeoutError } from './errors.js';
export { WorkflowErrorHandler } from './error-handler.js';
export type { RecoveryStrategyInput } from './error-handler.js';
export { WorkflowMonitor } from './monitor.js';
export { AccessAdmin } from './access.js';
export type { ApiKeyRole, ApiKeyView, AuditEntryView, AuditVerification, CreateApiKeyInput } from './access.js';
export type {
  AgentRunView,
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
