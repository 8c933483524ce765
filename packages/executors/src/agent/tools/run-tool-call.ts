import type { ToolCall } from '@agentic-flow/spec';
import { abortable } from '../abortable.js';
import { toModelText, truncateText } from '../text-limits.js';
import type { ToolRunContext } from './agent-tool.js';
import type { RegisteredTool } from './tool-registry.js';

/** A tool's result as it goes back to the model. */
export interface ToolCallResult {
  content: string;
  isError: boolean;
}

/**
 * Runs one tool call of the model. Everything the model got wrong (a tool it was not granted,
 * arguments that are not JSON or do not fit the schema) and everything the tool threw becomes an
 * error result the model can read and recover from; only an abort (timeout, cancel) propagates,
 * because then the whole step ends.
 */
export async function runToolCall(
  call: ToolCall,
  granted: ReadonlyMap<string, RegisteredTool>,
  context: ToolRunContext,
  maxResultChars: number,
): Promise<ToolCallResult> {
  const entry = granted.get(call.name);
  if (entry === undefined) {
    const available = granted.size > 0 ? [...granted.keys()].join(', ') : 'none';
    return failed(`tool "${call.name}" is not available to this agent (available tools: ${available})`);
  }
  // Some servers send "" for a call without arguments.
  const raw = typeof call.arguments === 'string' && call.arguments.trim() === '' ? {} : call.arguments;
  if (typeof raw === 'string') {
    // Providers keep the raw text when the model's arguments do not parse as JSON.
    return failed(
      `the arguments of "${call.name}" are not valid JSON: ${truncateText(raw, 200)}. Call the tool again with a JSON object matching its parameters.`,
    );
  }
  const args = raw ?? {};
  if (typeof args !== 'object' || Array.isArray(args))
    return failed(`the arguments of "${call.name}" must be a JSON object, not ${Array.isArray(args) ? 'an array' : typeof args}`);
  const violations = entry.validateArgs(args);
  if (violations.length > 0) {
    return failed(`invalid arguments for "${call.name}": ${violations.map((v) => `${v.path}: ${v.message}`).join('; ')}`);
  }

  // A step that timed out during an earlier tool of the same turn must not start this one.
  context.signal.throwIfAborted();
  try {
    const value = await abortable(entry.tool.run(args as Record<string, unknown>, context), context.signal);
    return { content: truncateText(toModelText(value ?? null), maxResultChars), isError: false };
  } catch (error) {
    if (context.signal.aborted) throw error;
    const message = error instanceof Error ? error.message : toModelText(error);
    return failed(truncateText(`tool "${call.name}" failed: ${message}`, maxResultChars));
  }
}

function failed(content: string): ToolCallResult {
  return { content, isError: true };
}
