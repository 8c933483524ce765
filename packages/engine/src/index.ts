export { executionLifecycle, nextStatus, allowedEvents } from './lifecycle-machine.js';
export type { LifecycleEvent } from './lifecycle-machine.js';
export { createExecutionState, isSettled, SETTLED_NODE_STATUSES } from './execution-state.js';
export type { CreateExecutionOptions, ExecutionState, NodeState, NodeStatus } from './execution-state.js';
export type { EngineEvent, StepResultEvent } from './events.js';
export type {
  CancelStepCommand,
  EngineCommand,
  ExecutionSettledCommand,
  RecordStepCommand,
  RunStepCommand,
  StepContextPayload,
} from './commands.js';
export { compileWorkflow, stepOf } from './compiled-workflow.js';
export type { CompiledWorkflow } from './compiled-workflow.js';
export { instanceKey, frameOf } from './instance-key.js';
export { visibleResults, stepContext, templateScope } from './scope.js';
export { decide } from './decide.js';
export type { Decision } from './decide.js';
