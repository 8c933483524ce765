import type { RetryOwner, TokenUsage, ToolCall } from '@agentic-flow/spec';

/**
 * One LLM provider behind one interface: OpenAI-compatible chat completions (OpenAI, Ollama,
 * vLLM, …) and Anthropic Messages. The agent loop speaks only this.
 */

/** A message of the conversation sent to the model, provider-neutral. */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean };

/** A tool the model may call: a name, what it does, and a JSON Schema of its arguments (an object). */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  /** Overrides the provider's configured model. */
  model?: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  /** Ask for a JSON object answer (OpenAI `response_format`; Anthropic: by instruction). */
  json?: boolean;
  maxTokens?: number;
  /** Aborts the call, its retries and their waits. */
  signal: AbortSignal;
  /**
   * Who retries the step making this call (spec's `RetryOwner`): `strategy` makes the call a single
   * try, because the step's `retry` strategy runs the whole step again; `step` or absent: the
   * provider's own retry budget applies.
   */
  retryOwner?: RetryOwner;
  /** The step's trace scope (`StepRuntime.inTrace`): each request's span is a child of the step's. */
  inTrace?: <T>(fn: () => T) => T;
}

export interface ChatResponse {
  /** The assistant's reply: text, tool calls, or both. */
  message: { content: string | null; toolCalls: ToolCall[] };
  /** `stop`, `tool_calls`, `length`, … as the provider said, normalized to lower case. */
  finishReason: string;
  usage: TokenUsage;
  /** The model that answered. */
  model: string;
}

export interface ChatProvider {
  /** The configured name steps use as `provider` (e.g. `openai`, `anthropic`, `ollama`). */
  readonly name: string;
  readonly kind: 'openai' | 'anthropic';
  /** The model used when a step names none. */
  readonly defaultModel: string;
  /** Base URL, for logs and the demo ("which model endpoint it used"). Never includes the key. */
  readonly baseUrl: string;
  /**
   * One chat call. Retries 429 and 5xx (honouring `Retry-After`) and network errors within its
   * retry budget (none when `request.retryOwner` is `strategy`); then throws a `ProviderError`.
   */
  chat(request: ChatRequest): Promise<ChatResponse>;
  close?(): Promise<void>;
}

/** A provider call that failed for good: the step fails with AGENT_PROVIDER (or TIMEOUT when aborted by the step's timeout). */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly details: { provider: string; status?: number; attempts: number; body?: string; code?: string },
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
