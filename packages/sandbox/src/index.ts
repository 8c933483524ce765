export { EvaluationCancelledError, SANDBOX_ERROR_CODES, SandboxClosedError } from './errors.js';
export type { ExpressionError, ExpressionErrorCode, SandboxError, SandboxErrorCode } from './errors.js';
export { BUILTIN_MODULES, ModuleRegistry } from './module-registry.js';
export type { ModuleRegistryOptions } from './module-registry.js';
export { IsolatePool } from './isolate-pool.js';
export type { IsolatePoolOptions, IsolatePoolStats } from './isolate-pool.js';
export { ScriptSandbox } from './script-sandbox.js';
export type { ScriptSandboxOptions } from './script-sandbox.js';
export { SCRIPT_FACTS, type ScriptFact } from './script-bootstrap.js';
export type {
  RawScriptRunInput,
  RawScriptRunResult,
  ScriptGlobals,
  ScriptLogEntry,
  ScriptLogLevel,
  ScriptRunInput,
  ScriptRunOptions,
  ScriptRunResult,
  ScriptRunner,
} from './script-types.js';
export { finishRun, type OutputLimits } from './script-output.js';
export { jsonNestsDeeperThan } from './json-text-depth.js';
export { ExpressionEvaluator, finishExpression } from './expression-evaluator.js';
export type { ExpressionEvaluatorOptions, ExpressionResult, ExpressionScope, RawExpressionResult } from './expression-evaluator.js';
export { checkExpression, type ExpressionSyntaxError } from './expression-syntax.js';
export { describeUndefinedOperands, findDecisionOperands, instrumentExpression, type DecisionOperand } from './decision-operands.js';
export { compileSafeExpression, type SafeExpression, type SafeOutcome, type SafeScope } from './safe-expression.js';
export {
  SandboxProcessPool,
  type PoolOutcome,
  type SandboxProcessPoolOptions,
  type SandboxProcessPoolStats,
  type SubmitOptions,
} from './process/process-pool.js';
export { ProcessScriptSandbox, type ProcessScriptSandboxOptions } from './process/process-script-sandbox.js';
export { ProcessExpressionEvaluator, type ProcessExpressionEvaluatorOptions } from './process/process-expression-evaluator.js';
