export { executionLifecycle, nextStatus, allowedEvents } from './lifecycle-machine.js';
export type { LifecycleEvent } from './lifecycle-machine.js';
export { createExecutionState, isSettled, namespaceOfState, SETTLED_NODE_STATUSES, ACTIVE_NODE_STATUSES } from './execution-state.js';
export type { CreateExecutionOptions, ExecutionState, HostLink, NodeState, NodeStatus, RecoveryProgress, UsageTotals } from './execution-state.js';
export { failureOwnerKey } from './host-links.js';
export type {
  EngineEvent,
  ErrorResolution,
  ErrorResolvedEvent,
  ExpressionEvent,
  ExpressionOutcome,
  ExpressionPurpose,
  RestoreEvent,
  SignalEvent,
  StepResultEvent,
  StepSignal,
  StepSucceededEvent,
} from './events.js';
export type {
  CancelStepCommand,
  EngineCommand,
  EvaluateCommand,
  ExecutionSettledCommand,
  ExpressionScopePayload,
  LogCommand,
  RecordErrorCommand,
  RecordStepCommand,
  RecoveryAction,
  RetryPolicy,
  RunStepCommand,
  ScheduleSignalCommand,
  ScopePayload,
  SignalChildCommand,
  StartChildCommand,
  StepContextPayload,
  WithdrawStepCommand,
} from './commands.js';
export { DEFAULT_MAX_WORKFLOW_DEPTH } from './workflow-step.js';
export { DEFAULT_BRANCH_STARTS_PER_TRANSITION, DEFAULT_MAX_STEPS_PER_EXECUTION } from './decide-options.js';
export type { BranchStartBudget } from './decide-options.js';
export { compileWorkflow, stepOf } from './compiled-workflow.js';
export type { CompiledWorkflow, ScopeRegion } from './compiled-workflow.js';
export {
  instanceKey,
  frameOf,
  iterationFrame,
  parseIterationFrame,
  alternativeKey,
  compensationKey,
  subtaskKey,
  synthesisKey,
} from './instance-key.js';
export type { AgentPart } from './instance-key.js';
export { visibleResults, loopInfo } from './scope.js';
export { decide, openDecision, pendingEvaluations } from './decide.js';
export type { Decision, DecisionSession } from './decide.js';
export type { DecideOptions } from './decide-options.js';
export type { RegisteredStrategies } from './decide-options.js';
export { effectiveStrategy, retryPolicyOf } from './recovery.js';
export { stepScope } from './step-scope.js';
export { workJobContents } from './work-job.js';
export type { WorkJobContentFields } from './work-job.js';
export { usageOf, remainingTokens } from './usage.js';
export { checkPlan, DEFAULT_MAX_SUBTASKS } from './agent-step.js';
