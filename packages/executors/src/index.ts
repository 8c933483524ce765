export type { StepContext, StepExecutionInput, StepExecutor, StepLogEntry, StepOutcome, StepRuntime, LogLevel } from './step-executor.js';
export { createHttpExecutor, type HttpExecutorOptions, type HttpOutput } from './http/http-executor.js';
export { createScriptExecutor, type ScriptExecutorOptions } from './script/script-executor.js';
