import type { AgentRunRecord, RetryOwner, TokenUsage, ToolCall, TranscriptEntry } from '@agentic-flow/spec';
import type { LogLevel } from '../step-executor.js';
import { abortable } from './abortable.js';
import { AgentFailure } from './agent-failure.js';
import { ProviderError, type ChatMessage, type ChatProvider, type ChatResponse, type ToolSpec } from './provider.js';
import { truncateText } from './text-limits.js';
import { TokenBudget, addUsage, tokensOf } from './token-budget.js';

export interface ConversationOptions {
  provider: ChatProvider;
  model: string;
  /** The step's signal: its timeout and its cancellation. */
  signal: AbortSignal;
  log(level: LogLevel, message: string): void;
  /** Clock of transcript entries and call durations, epoch ms. */
  now: () => number;
  remainingTokens?: number | undefined;
  /** Cap on each tool result kept in the transcript, in characters. */
  maxStoredToolResultChars: number;
  /** Who retries the step (its `retry` strategy, or the provider per call): passed on with every call. */
  retryOwner?: RetryOwner | undefined;
  /** The step's trace scope: passed on with every call. */
  inTrace?: (<T>(fn: () => T) => T) | undefined;
}

/**
 * One agent's conversation with its model: the messages sent, the transcript stored, the tokens
 * spent. Every model call goes through {@link ask}, which enforces the token budget around the call
 * and turns a provider's failure into the step's `AGENT_PROVIDER`; so whatever way a run ends, the
 * {@link record} is complete up to that point.
 */
export class AgentConversation {
  private readonly messages: ChatMessage[] = [];
  private readonly transcript: TranscriptEntry[] = [];
  private usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  private model: string;
  private readonly budget: TokenBudget;
  /** Model calls made so far. */
  calls = 0;

  constructor(private readonly options: ConversationOptions) {
    this.model = options.model;
    this.budget = new TokenBudget(options.remainingTokens);
  }

  system(content: string): void {
    this.messages.push({ role: 'system', content });
    this.transcript.push({ role: 'system', content, at: this.options.now() });
  }

  user(content: string): void {
    this.messages.push({ role: 'user', content });
    this.transcript.push({ role: 'user', content, at: this.options.now() });
  }

  toolResult(call: ToolCall, content: string, isError: boolean): void {
    const flag = isError ? { isError: true } : {};
    this.messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content, ...flag });
    this.transcript.push({
      role: 'tool',
      toolCallId: call.id,
      name: call.name,
      content: truncateText(content, this.options.maxStoredToolResultChars),
      ...flag,
      at: this.options.now(),
    });
  }

  /** One model call with the conversation so far; its reply joins the conversation. */
  async ask(request: { tools?: readonly ToolSpec[]; json?: boolean } = {}): Promise<ChatResponse> {
    const { provider, signal } = this.options;
    // A step already timed out or cancelled must not start another paid call.
    signal.throwIfAborted();
    this.budget.checkBefore(this.usage);
    this.calls += 1;
    const startedAt = this.options.now();
    let response: ChatResponse;
    try {
      response = await abortable(
        provider.chat({
          model: this.options.model,
          // A copy: the provider must not see messages added after the call.
          messages: [...this.messages],
          ...(request.tools && request.tools.length > 0 ? { tools: [...request.tools] } : {}),
          ...(request.json ? { json: true } : {}),
          ...(this.options.retryOwner === undefined ? {} : { retryOwner: this.options.retryOwner }),
          ...(this.options.inTrace === undefined ? {} : { inTrace: this.options.inTrace }),
          signal,
        }),
        signal,
      );
    } catch (error) {
      // The step's timeout or cancellation: the executor names it from its own signals.
      if (signal.aborted) throw error;
      throw providerFailure(provider, this.options.model, error);
    }

    const { message, usage, model } = response;
    this.usage = addUsage(this.usage, usage);
    this.model = model || this.model;
    const toolCalls = message.toolCalls.length > 0 ? { toolCalls: message.toolCalls } : {};
    this.messages.push({ role: 'assistant', content: message.content, ...toolCalls });
    this.transcript.push({ role: 'assistant', content: message.content, ...toolCalls, usage, model: this.model, at: this.options.now() });

    const cost = usage.costUsd === undefined ? '' : `, $${usage.costUsd}`;
    const next = message.toolCalls.length > 0 ? `tool calls: ${message.toolCalls.map((c) => c.name).join(', ')}` : 'answer';
    this.options.log(
      'info',
      `agent call ${this.calls}: ${provider.name}/${this.model} answered in ${Math.round(this.options.now() - startedAt)} ms, ` +
        `${usage.inputTokens} in + ${usage.outputTokens} out tokens${cost} (step total ${tokensOf(this.usage)}); ${next}`,
    );
    if (response.finishReason === 'length') this.options.log('warn', `agent call ${this.calls}: the reply was cut at the model's output token limit`);

    this.budget.checkAfter(this.usage);
    return response;
  }

  /** The run so far: provider, the model that answered last (the configured one before any answer), usage, transcript. */
  record(): AgentRunRecord {
    return { provider: this.options.provider.name, model: this.model, usage: { ...this.usage }, transcript: [...this.transcript] };
  }
}

const MAX_ERROR_BODY = 2048;

function providerFailure(provider: ChatProvider, model: string, error: unknown): AgentFailure {
  if (error instanceof ProviderError) {
    const { status, attempts, code, body } = error.details;
    const what = status === undefined ? (code ?? 'no response') : `HTTP ${status}`;
    return new AgentFailure(
      'AGENT_PROVIDER',
      `provider "${provider.name}" failed (${what}, ${attempts} attempt${attempts === 1 ? '' : 's'}): ${error.message}`,
      {
        provider: provider.name,
        model,
        ...(status === undefined ? {} : { status }),
        attempts,
        ...(code === undefined ? {} : { code }),
        ...(body === undefined ? {} : { body: truncateText(body, MAX_ERROR_BODY) }),
      },
    );
  }
  // Providers turn every failure into a ProviderError; anything else is a bug in one.
  return new AgentFailure('INTERNAL', `provider "${provider.name}" crashed: ${error instanceof Error ? error.message : String(error)}`, {
    provider: provider.name,
    model,
  });
}
