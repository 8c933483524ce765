import type { ToolCall } from '@agentic-flow/spec';
import { describeUrl } from '../../http/http-config.js';
import type { ChatMessage, ChatProvider, ChatRequest, ChatResponse, ToolSpec } from '../provider.js';
import { resolveProviderOptions, type ProviderOptions, type TokenPrices } from './provider-options.js';
import { createProviderTransport, type ProviderReply } from './provider-transport.js';
import { tokenCount, usageWithCost } from './token-usage.js';
import { isRecord, parseToolArguments } from './wire-json.js';

/** Options of {@link createOpenAiCompatibleProvider}; `baseUrl` defaults to `https://api.openai.com/v1`. */
export type OpenAiCompatibleProviderOptions = ProviderOptions;

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * A provider for the OpenAI Chat Completions API and the servers that copy it (Ollama, vLLM,
 * LM Studio, LiteLLM…): `POST {baseUrl}/chat/completions`, `Authorization: Bearer` when a key is set.
 *
 * @example
 * const ollama = createOpenAiCompatibleProvider({ name: 'ollama', baseUrl: 'http://localhost:11434/v1', model: 'llama3.2' });
 * const answer = await ollama.chat({ messages: [{ role: 'user', content: 'Hi' }], signal: AbortSignal.timeout(30_000) });
 * await ollama.close();
 */
export function createOpenAiCompatibleProvider(options: OpenAiCompatibleProviderOptions): ChatProvider {
  const resolved = resolveProviderOptions(options, { name: 'openai', baseUrl: OPENAI_DEFAULT_BASE_URL });
  const transport = createProviderTransport(resolved);
  const headers: Record<string, string> = resolved.apiKey === undefined ? {} : { authorization: `Bearer ${resolved.apiKey}` };

  return {
    name: resolved.name,
    kind: 'openai',
    defaultModel: resolved.model,
    baseUrl: describeUrl(resolved.baseUrl).replace(/\/$/, ''),
    async chat(request: ChatRequest): Promise<ChatResponse> {
      const model = request.model ?? resolved.model;
      const reply = await transport.postJson('/chat/completions', headers, openAiRequestBody(request, model), request);
      return parseOpenAiReply(reply, model, resolved.prices);
    },
    close: () => transport.close(),
  };
}

/** The Chat Completions request body for `request`. */
export function openAiRequestBody(request: ChatRequest, model: string): Record<string, unknown> {
  return {
    model,
    messages: request.messages.map(openAiMessage),
    ...(request.tools !== undefined && request.tools.length > 0 ? { tools: request.tools.map(openAiTool) } : {}),
    ...(request.json === true ? { response_format: { type: 'json_object' } } : {}),
    ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
  };
}

function openAiMessage(message: ChatMessage): Record<string, unknown> {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant': {
      const calls = message.toolCalls ?? [];
      // OpenAI rejects an empty `tool_calls` array, so it is left out rather than sent empty.
      return { role: 'assistant', content: message.content, ...(calls.length > 0 ? { tool_calls: calls.map(openAiToolCall) } : {}) };
    }
    case 'tool':
      // The wire format has no error flag: the agent loop words `content` so the model can tell.
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

function openAiToolCall(call: ToolCall): Record<string, unknown> {
  // A raw string is what the model sent when it did not parse: echo it verbatim, as the model wrote it.
  const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {});
  return { id: call.id, type: 'function', function: { name: call.name, arguments: args } };
}

function openAiTool(tool: ToolSpec): Record<string, unknown> {
  return { type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } };
}

/** Reads `choices[0].message`, `finish_reason`, `usage` and `model` from a Chat Completions response. */
export function parseOpenAiReply(reply: ProviderReply, requestedModel: string, prices: TokenPrices | undefined): ChatResponse {
  const body = reply.body;
  if (!isRecord(body)) throw reply.invalid('expected a JSON object');
  const choices = body['choices'];
  if (!Array.isArray(choices) || choices.length === 0) throw reply.invalid('no choices');
  const choice: unknown = choices[0];
  if (!isRecord(choice) || !isRecord(choice['message'])) throw reply.invalid('choices[0].message is missing');
  const message = choice['message'];

  const toolCalls = parseToolCalls(message['tool_calls'], reply);
  const text = parseContent(message['content'], reply);
  const finishReason = choice['finish_reason'];
  const usage = isRecord(body['usage']) ? body['usage'] : {};
  const model = body['model'];
  return {
    // Some servers (Ollama) send "" beside tool calls where OpenAI sends null.
    message: { content: text === '' && toolCalls.length > 0 ? null : text, toolCalls },
    finishReason: typeof finishReason === 'string' && finishReason !== '' ? finishReason.toLowerCase() : toolCalls.length > 0 ? 'tool_calls' : 'stop',
    usage: usageWithCost(tokenCount(usage['prompt_tokens']), tokenCount(usage['completion_tokens']), prices),
    model: typeof model === 'string' && model !== '' ? model : requestedModel,
  };
}

function parseContent(content: unknown, reply: ProviderReply): string | null {
  if (content === null || content === undefined) return null;
  if (typeof content === 'string') return content;
  // A few compatible servers answer with content parts, like the request format allows.
  if (Array.isArray(content)) {
    return content
      .filter((part): part is Record<string, unknown> => isRecord(part) && typeof part['text'] === 'string')
      .map((part) => part['text'] as string)
      .join('');
  }
  throw reply.invalid('choices[0].message.content is neither text nor null');
}

function parseToolCalls(raw: unknown, reply: ProviderReply): ToolCall[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw reply.invalid('choices[0].message.tool_calls is not an array');
  return raw.map((entry: unknown, index): ToolCall => {
    const fn = isRecord(entry) ? entry['function'] : undefined;
    if (!isRecord(entry) || !isRecord(fn) || typeof fn['name'] !== 'string' || fn['name'] === '') {
      throw reply.invalid(`choices[0].message.tool_calls[${index}].function.name is missing`);
    }
    const id = entry['id'];
    // The id links the tool result back; servers that omit it still need one to round-trip.
    return { id: typeof id === 'string' && id !== '' ? id : `call_${index}`, name: fn['name'], arguments: parseToolArguments(fn['arguments']) };
  });
}
