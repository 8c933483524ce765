/** Small readers for the JSON both wire formats exchange. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A tool call's arguments as the model wrote them (OpenAI sends a JSON string): parsed, or the
 * raw text when it does not parse, so the agent loop can tell the model its arguments were broken
 * instead of failing the step.
 */
export function parseToolArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? {};
  // Some servers send "" for a tool without parameters.
  if (value.trim() === '') return {};
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
