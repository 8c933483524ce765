/**
 * A value as a dollar-quoted SQL literal of its JSON. Hot-path statements embed their payload this
 * way so several statements travel in one simple-protocol round trip (which takes no parameters).
 * The tag is lengthened until the text cannot contain it, so no payload can end the quoting early.
 */
export function jsonLiteral(value: unknown): string {
  return jsonTextLiteral(JSON.stringify(value) ?? 'null');
}

/** {@link jsonLiteral} of text that is already JSON. */
export function jsonTextLiteral(text: string): string {
  let tag = 'af';
  while (text.includes(`$${tag}$`)) tag += '_';
  return `$${tag}$${text}$${tag}$::jsonb`;
}

/** Text as a dollar-quoted SQL literal, quoted like {@link jsonTextLiteral}. */
export function textLiteral(text: string): string {
  let tag = 'af';
  while (text.includes(`$${tag}$`)) tag += '_';
  return `$${tag}$${text}$${tag}$`;
}
