/**
 * Size caps for text that goes to the model or into the stored transcript. Lengths are in UTF-16
 * code units (what `String#length` counts): close enough to bytes for the purpose, which is to keep
 * one huge tool result or context from blowing up a prompt or a Postgres row.
 */

/** `text`, cut to `max` characters with a note saying how much was dropped. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  // Don't split a surrogate pair: a lone half becomes U+FFFD in JSON and looks like corruption.
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}\n…[truncated: ${text.length - end} of ${text.length} characters omitted]`;
}

/** A value as JSON text for the model: strings as they are, `undefined` as `null`, unserializable values named. */
export function toModelText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    return `[unserializable value: ${(error as Error).message}]`;
  }
}
