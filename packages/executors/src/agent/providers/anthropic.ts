import type { ToolCall } from '@agentic-flow/spec';
import { describeUrl } from '../../http/http-config.js';
import type { ChatProvider, ChatRequest, ChatResponse } from '../provider.js';
import { toAnthropicConversation } from './anthropic-messages.js';
import { resolveProviderOptions, type ProviderOptions, type TokenPrices } from './provider-options.js';
import { createProviderTransport, type ProviderReply } from './provider-transport.js';
import { tokenCount, usageWithCost } from './token-usage.js';
import { isRecord } from './wire-json.js';

/** Options of {@link createAnthropicProvider}; `baseUrl` defaults to `https://api.anthropic.com`. */
export interface AnthropicProviderOptions extends ProviderOptions {
  /** `max_tokens` when a request sets none; the API requires one. Default 4096. */
  maxTokens?: number;
}

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_API_VERSION = '2023-06-01';
const DEFAULT_MAX_TOKENS = 4096;

/**
 * A provider for the Anthropic Messages API: `POST {baseUrl}/v1/messages` with `x-api-key` and
 * `anthropic-version` headers.
 *
 * @example
 * const claude = createAnthropicProvider({ apiKey: key, model: 'claude-sonnet-4-5' });
 * const answer = await claude.chat({ messages, tools, signal });
 * await claude.close();
 */
export function createAnthropicProvider(options: AnthropicProviderOptions): ChatProvider {
  const resolved = resolveProviderOptions(options, { name: 'anthropic', baseUrl: ANTHROPIC_DEFAULT_BASE_URL });
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    throw new RangeError(`provider "${resolved.name}": maxTokens must be a positive integer, got ${maxTokens}`);
  const transport = createProviderTransport(resolved);
  const headers: Record<string, string> = {
    'anthropic-version': ANTHROPIC_API_VERSION,
    // A proxy in front of the API may hold the key itself, so the header is optional.
    ...(resolved.apiKey === undefined ? {} : { 'x-api-key': resolved.apiKey }),
  };

  return {
    name: resolved.name,
    kind: 'anthropic',
    defaultModel: resolved.model,
    baseUrl: describeUrl(resolved.baseUrl).replace(/\/$/, ''),
    async chat(request: ChatRequest): Promise<ChatResponse> {
      const model = request.model ?? resolved.model;
      const reply = await transport.postJson('/v1/messages', headers, anthropicRequestBody(request, model, maxTokens), request);
      return parseAnthropicReply(reply, model, resolved.prices);
    },
    close: () => transport.close(),
  };
}

/** The Messages request body for `request`. */
export function anthropicRequestBody(request: ChatRequest, model: string, defaultMaxTokens: number): Record<string, unknown> {
  const { system, messages } = toAnthropicConversation(request.messages, request.json === true);
  const tools = request.tools ?? [];
  return {
    model,
    max_tokens: request.maxTokens ?? defaultMaxTokens,
    ...(system === undefined ? {} : { system }),
    messages,
    ...(tools.length > 0 ? { tools: tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })) } : {}),
  };
}

/**
 * Stop reasons in the vocabulary of {@link ChatResponse.finishReason}, which follows OpenAI's;
 * unknown ones (`pause_turn`, `refusal`…) pass through.
 */
const FINISH_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'length',
};

/** Reads `content` blocks, `stop_reason`, `usage` and `model` from a Messages response. */
export function parseAnthropicReply(reply: ProviderReply, requestedModel: string, prices: TokenPrices | undefined): ChatResponse {
  const body = reply.body;
  if (!isRecord(body)) throw reply.invalid('expected a JSON object');
  const content = body['content'];
  if (!Array.isArray(content)) throw reply.invalid('content is not an array');

  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  content.forEach((block: unknown, index) => {
    if (!isRecord(block)) throw reply.invalid(`content[${index}] is not an object`);
    if (block['type'] === 'text' && typeof block['text'] === 'string') texts.push(block['text']);
    if (block['type'] === 'tool_use') {
      const { id, name, input } = block;
      if (typeof id !== 'string' || typeof name !== 'string' || name === '') throw reply.invalid(`content[${index}] is a tool_use block without id or name`);
      toolCalls.push({ id, name, arguments: input ?? {} });
    }
    // Other blocks (thinking, server tool results) are not part of the neutral message.
  });

  const stopReason = typeof body['stop_reason'] === 'string' ? body['stop_reason'].toLowerCase() : undefined;
  const usage = isRecord(body['usage']) ? body['usage'] : {};
  // Cached prompt tokens are reported apart from `input_tokens`; they are still input the call used.
  const inputTokens = tokenCount(usage['input_tokens']) + tokenCount(usage['cache_creation_input_tokens']) + tokenCount(usage['cache_read_input_tokens']);
  const model = body['model'];
  return {
    message: { content: texts.length > 0 ? texts.join('') : null, toolCalls },
    finishReason: stopReason === undefined ? (toolCalls.length > 0 ? 'tool_calls' : 'stop') : (FINISH_REASONS[stopReason] ?? stopReason),
    usage: usageWithCost(inputTokens, tokenCount(usage['output_tokens']), prices),
    model: typeof model === 'string' && model !== '' ? model : requestedModel,
  };
}
