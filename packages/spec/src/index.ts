export { ID_PATTERN, IdSchema, StepIdSchema, WorkflowIdSchema, VersionSchema, DurationMsSchema } from './ids.js';
export { DEFAULT_NAMESPACE, NAMESPACE_PATTERN, NamespaceSchema } from './namespace.js';
export { STEP_ERROR_CODES, StepErrorSchema, stepError } from './step-error.js';
export type { AgentBudgetDetails, StepError, StepErrorCode } from './step-error.js';
export { StepContextSchema } from './step-context.js';
export type { StepContext } from './step-context.js';
export type { WorkJobContents } from './work-job-contents.js';
export type { CircuitVerdict } from './circuit-verdict.js';
export { AgentTaskConfigSchema, AgentJobConfigSchema } from './steps/agent-task.js';
export type { AgentTaskConfig, AgentJobConfig } from './steps/agent-task.js';
export { ParallelConfigSchema } from './steps/parallel.js';
export type { ParallelConfig } from './steps/parallel.js';
export { ConditionConfigSchema } from './steps/condition.js';
export type { ConditionConfig } from './steps/condition.js';
export { LoopConfigSchema } from './steps/loop.js';
export type { LoopConfig } from './steps/loop.js';
export { HTTP_METHODS, HttpConfigSchema, HttpResponseSchema } from './steps/http.js';
export type { HttpConfig, HttpResponse } from './steps/http.js';
export { ScriptConfigSchema } from './steps/script.js';
export type { ScriptConfig } from './steps/script.js';
export { WorkflowConfigSchema } from './steps/workflow.js';
export type { WorkflowConfig } from './steps/workflow.js';
export { WaitConfigSchema } from './steps/wait.js';
export type { WaitConfig } from './steps/wait.js';
export { MAX_WAIT_MS, parseDuration, parseInstant } from './wait-time.js';
export { RecoveryStrategySchema } from './recovery-strategy.js';
export type { RecoveryStrategy } from './recovery-strategy.js';
export { MAX_RETRY_DELAY_MS, RetryPolicySchema, backoffDelayMs, hasAttemptsLeft, retryPolicyOfStrategy } from './retry-policy.js';
export type { RetryPolicy } from './retry-policy.js';
export { inProcessRetryPolicy, retryOwnerOf } from './retry-owner.js';
export type { RetryOwner } from './retry-owner.js';
export { TriggerSchema } from './trigger.js';
export type { Trigger } from './trigger.js';
export {
  STEP_TYPES,
  CONTROL_STEP_TYPES,
  WORK_STEP_TYPES,
  EVALUATING_STEP_TYPES,
  CONTAINER_STEP_TYPES,
  isContainerStepType,
  RECONCILED_STEP_TYPES,
  isControlStepType,
  stepResultReads,
  SECRET_POLICIES,
  WORK_JOB_CONTENTS,
  StepSchema,
} from './step.js';
export type {
  Step,
  StepInput,
  StepType,
  ControlStepType,
  WorkStepType,
  AgentTaskStep,
  ParallelStep,
  ConditionStep,
  LoopStep,
  HttpStep,
  ScriptStep,
  WorkflowStep,
  WaitStep,
} from './step.js';
export { WorkflowDefinitionSchema } from './workflow-definition.js';
export type { WorkflowDefinition, WorkflowDefinitionInput } from './workflow-definition.js';
export { formatPath } from './problem.js';
export type { Problem } from './problem.js';
export { TEMPLATE_ROOTS, TemplateSyntaxError, hasTemplate, parseTemplate, parsePath, collectTemplates } from './templates.js';
export type { TemplatePath, TemplatePart, TemplateRoot, PathSegment } from './templates.js';
export { TemplateResolutionError, resolveTemplates, resolveWithSecretSlots, lookup } from './template-resolver.js';
export type { SlottedConfig } from './template-resolver.js';
export {
  SECRET_NAME_PATTERN,
  SecretNameSchema,
  SecretSlotPartSchema,
  SecretSlotSchema,
  allowsSecretAt,
  describeSlot,
  noSecrets,
  secretNameOf,
  secretPolicy,
  secretReferenceProblems,
} from './secrets.js';
export type { SecretFields, SecretPolicy, SecretSlot, SecretSlotPart } from './secrets.js';
export { ALL_RESULTS, NO_RESULTS, expressionResultReads, mergeReads, scriptNamedReads, scriptResultReads, templateResultReads } from './result-reads.js';
export type { ConfigResultReads, ReadRoot, ResultReads } from './result-reads.js';
export { scriptVariableWrites } from './variable-writes.js';
export type { VariableWrites } from './variable-writes.js';
export { requiredVariables, missingVariables, missingVariableProblems } from './variable-requirements.js';
export type { RequiredVariable, VariableUse } from './variable-requirements.js';
export type { TemplateScope, ResolveOptions } from './template-resolver.js';
export { MAX_SCOPE_DEPTH, TOP_SCOPE, analyzeGraph } from './graph.js';
export type { Edge, EdgeKind, GraphAnalysis, WorkflowGraph } from './graph.js';
export { graphViewOf } from './graph-view.js';
export type { GraphStepView } from './graph-view.js';
export { validateDefinition } from './validate.js';
export type { ValidationResult } from './validate.js';
export { YAML_BODY_LIMIT, parseDefinitionText } from './parse-text.js';
export { MAX_JSON_DEPTH, JSON_PROBLEM_REASONS, findJsonProblem } from './json-limits.js';
export { decodeUtf8, firstInvalidUtf8Byte } from './utf8.js';
export type { JsonLimits, JsonProblem, JsonProblemKind } from './json-limits.js';
export { findYamlNestingExcess } from './yaml-nesting.js';
export type { YamlNestingExcess } from './yaml-nesting.js';
export type { DefinitionFormat, ParseTextResult } from './parse-text.js';
export { workflowDefinitionJsonSchema } from './json-schema.js';
export { EXECUTION_INCLUDES, MAX_STEPS_PAGE, EXECUTION_STATUSES, SETTLED_EXECUTION_STATUSES, STEP_RUN_STATUSES } from './api.js';
export type {
  AgentRunView,
  ExecutionUsage,
  TranscriptView,
  ApiErrorBody,
  CreateWorkflowResult,
  ExecuteWorkflowResult,
  ExecutionError,
  ExecutionInclude,
  ExecutionOverview,
  ChildExecutionView,
  ExecutionStatus,
  ExecutionSummary,
  ExecutionView,
  ListExecutionsFilter,
  LifecycleResult,
  LogEntryView,
  Page,
  SnapshotView,
  StepRunStatus,
  StepRunSummary,
  StepRunView,
  WorkflowSummary,
} from './api.js';
export { RECOVERY_STRATEGY_KINDS } from './error-api.js';
export type {
  AlertView,
  AppliedStrategy,
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
  RegisteredStrategy,
} from './error-api.js';
export { AGENT_PHASES, AgentPlanSchema, AgentRunRecordSchema, TokenUsageSchema, ToolCallSchema, TranscriptEntrySchema } from './agent.js';
export type { AgentPhase, AgentPlan, AgentRunRecord, SubtaskOutcome, TokenUsage, ToolCall, TranscriptEntry } from './agent.js';
export { API_KEY_ROLES } from './access-api.js';
export type { ApiKeyRole, ApiKeyView, AuditEntryView, AuditOutcome, AuditVerification, CreateApiKeyInput } from './access-api.js';
export { EVENT_TYPES, STREAM_GAP } from './event-api.js';
export type { EventFilter, EventType, FlowEvent, StreamGapEvent } from './event-api.js';
export { ALERT_SINK_EVENTS } from './monitor-api.js';
export type {
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
} from './monitor-api.js';
