export type { StepContext, StepExecutionInput, StepExecutor, StepLogEntry, StepOutcome, StepRuntime, LogLevel } from './step-executor.js';
