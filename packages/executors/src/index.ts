export type { ExecutorTraits, StepContext, StepExecutionInput, StepExecutor, StepLogEntry, StepOutcome, StepRuntime, LogLevel } from './step-executor.js';
export { createHttpExecutor, type HttpExecutorOptions, type HttpSuccess } from './http/http-executor.js';
export { HTTP_EXECUTOR_TRAITS } from './http/http-traits.js';
// The egress policy of http steps and the agents' http tool (the worker parses EGRESS_ALLOW).
export {
  createEgressPolicy,
  egressPolicyFrom,
  EgressDeniedError,
  type EgressPolicy,
  type EgressPolicyOptions,
  type EgressVerdict,
} from './http/egress-policy.js';
export { parseEgressAllowList, type EgressAllowEntry, type EgressAllowListResult } from './http/egress-allow-list.js';
export { createEgressConnector } from './http/egress-connector.js';
export { createScriptExecutor, missingSecret, type ScriptExecutorOptions } from './script/script-executor.js';
export { SCRIPT_EXECUTOR_TRAITS } from './script/script-traits.js';
export { MASK, MIN_MASKED_LENGTH, SecretMask, maskedForms } from './secret-mask.js';

// agent-task: the executor, its tools, and the LLM providers it calls.
export { createAgentExecutor, type AgentExecutorOptions } from './agent/agent-executor.js';
export { AGENT_EXECUTOR_TRAITS } from './agent/agent-traits.js';
export type { AgentProviders } from './agent/agent-config.js';
export { ToolRegistry, type RegisteredTool } from './agent/tools/tool-registry.js';
export type { AgentTool, ToolRunContext } from './agent/tools/agent-tool.js';
export { createHttpTool, type HttpToolOptions } from './agent/tools/http-tool.js';
export { createScriptTool, type ScriptToolOptions } from './agent/tools/script-tool.js';
export { loadToolModules, type LoadedTool, type ToolModuleExport } from './agent/tools/tool-module.js';
export { compileJsonSchema, type CompileResult, type JsonValidator, type SchemaViolation } from './agent/json-schema.js';
export { ProviderError, type ChatMessage, type ChatProvider, type ChatRequest, type ChatResponse, type ToolSpec } from './agent/provider.js';
export { createOpenAiCompatibleProvider, type OpenAiCompatibleProviderOptions } from './agent/providers/openai-compatible.js';
export { createAnthropicProvider, type AnthropicProviderOptions } from './agent/providers/anthropic.js';
export { ProviderRegistry, providersFromEnv, type ProviderSummary } from './agent/providers/provider-registry.js';
export type { ProviderOptions, TokenPrices } from './agent/providers/provider-options.js';
export { idempotencyKeyOf, toolCallIdempotencyKeyOf } from './idempotency-key.js';
