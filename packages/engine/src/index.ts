export { executionLifecycle, nextStatus, allowedEvents } from './lifecycle-machine.js';
export type { LifecycleEvent } from './lifecycle-machine.js';
export { createExecutionState, isSettled, namespaceOfState, SETTLED_NODE_STATUSES, ACTIVE_NODE_STATUSES } from './execution-state.js';
export type { CreateExecutionOptions, ExecutionState, NodeState, NodeStatus, RecoveryProgress, UsageTotals } from './execution-state.js';
export type {
  EngineEvent,
  ErrorResolution,
  ErrorResolvedEvent,
  ExpressionEvent,
  ExpressionOutcome,
  ExpressionPurpose,
  RestoreEvent,
  StepResultEvent,
  StepSignal,
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
  ScopePayload,
  StepContextPayload,
  WithdrawStepCommand,
  StartChildCommand,
  SignalChildCommand,
} from './commands.js';
export { DEFAULT_MAX_WORKFLOW_DEPTH } from './workflow-step.js';
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
  agentPartOf,
  hostKeyOf,
  baseKeyOf,
} from './instance-key.js';
export type { AgentPart } from './instance-key.js';
export { visibleResults, loopInfo } from './scope.js';
export { decide, openDecision, pendingEvaluations } from './decide.js';
export type { Decision, DecideOptions, DecisionSession } from './decide.js';
export type { RegisteredStrategies } from './recovery.js';
export { effectiveStrategy, retryPolicyOf } from './recovery.js';
export { stepScope } from './step-scope.js';
export { workJobContents } from './work-job.js';
export type { WorkJobContentFields } from './work-job.js';
export { usageOf, remainingTokens } from './usage.js';
export { checkPlan, DEFAULT_MAX_SUBTASKS } from './agent-step.js';
