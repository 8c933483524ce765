import type { ToolCall } from '@agentic-flow/spec';
import type { ChatMessage } from '../provider.js';
import { isRecord } from './wire-json.js';

/** A content block of the Anthropic Messages API, as this adapter sends them. */
export type AnthropicBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: true };

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

/**
 * Appended to the system prompt for `json: true`: Anthropic has no `response_format`, so the
 * model is told. The agent loop validates the answer either way.
 */
export const ANTHROPIC_JSON_INSTRUCTION = 'Answer with one JSON object only: no text before or after it, no Markdown code fences.';

/**
 * Turns the provider-neutral conversation into Anthropic's shape:
 * - system messages move to the top-level `system` (joined by blank lines, in order);
 * - tool results become `tool_result` blocks of a `user` message;
 * - consecutive messages of the same role are merged into one, because the API requires user and
 *   assistant turns to alternate (several tool results after one assistant turn are the usual case).
 */
export function toAnthropicConversation(messages: readonly ChatMessage[], json: boolean): { system?: string; messages: AnthropicMessage[] } {
  const system: string[] = [];
  const merged: AnthropicMessage[] = [];
  for (const message of messages) {
    if (message.role === 'system') {
      if (message.content !== '') system.push(message.content);
      continue;
    }
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = blocksOf(message);
    // The API rejects empty messages and empty text blocks; an empty turn carries nothing anyway.
    if (blocks.length === 0) continue;
    const last = merged[merged.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...blocks);
    else merged.push({ role, content: blocks });
  }
  for (const message of merged) if (message.role === 'user') message.content = toolResultsFirst(message.content);
  if (json) system.push(ANTHROPIC_JSON_INSTRUCTION);
  return { ...(system.length > 0 ? { system: system.join('\n\n') } : {}), messages: merged };
}

function blocksOf(message: Exclude<ChatMessage, { role: 'system' }>): AnthropicBlock[] {
  switch (message.role) {
    case 'user':
      return message.content === '' ? [] : [{ type: 'text', text: message.content }];
    case 'assistant': {
      const text: AnthropicBlock[] = message.content === null || message.content === '' ? [] : [{ type: 'text', text: message.content }];
      return [...text, ...(message.toolCalls ?? []).map(toolUseBlock)];
    }
    case 'tool':
      return [
        { type: 'tool_result', tool_use_id: message.toolCallId, content: message.content, ...(message.isError === true ? { is_error: true as const } : {}) },
      ];
  }
}

function toolUseBlock(call: ToolCall): AnthropicBlock {
  return { type: 'tool_use', id: call.id, name: call.name, input: toolInput(call.arguments) };
}

/**
 * `input` must be an object. Arguments that are not one (raw text that did not parse, from a
 * conversation started on another provider) are wrapped rather than dropped, so the model still
 * sees what it sent.
 */
function toolInput(args: unknown): Record<string, unknown> {
  if (isRecord(args)) return args;
  if (typeof args === 'string') {
    try {
      const parsed: unknown = JSON.parse(args);
      if (isRecord(parsed)) return parsed;
    } catch {
      // Fall through to wrapping.
    }
  }
  return args === undefined || args === null ? {} : { raw: args };
}

/** The API requires a user turn's `tool_result` blocks to come before its text. */
function toolResultsFirst(blocks: AnthropicBlock[]): AnthropicBlock[] {
  return [...blocks.filter((b) => b.type === 'tool_result'), ...blocks.filter((b) => b.type !== 'tool_result')];
}
