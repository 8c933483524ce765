export { AgenticFlowClient } from './client.js';
export type { AgenticFlowClientOptions, WaitOptions } from './client.js';
export { AgenticFlowError, WaitTimeoutError } from './errors.js';
export type {
  CreateWorkflowResult,
  ExecutionStatus,
  ExecutionSummary,
  ExecutionView,
  LifecycleResult,
  ListExecutionsFilter,
  LogEntryView,
  Page,
  SnapshotView,
  Problem,
  StepRunView,
  WorkflowDefinition,
  WorkflowDefinitionInput,
  WorkflowSummary,
} from '@agentic-flow/spec';
