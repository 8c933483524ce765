/**
 * True when `json` (valid JSON text) nests arrays and objects more than `limit` levels deep. One
 * linear pass over the text that stops where the limit is crossed, and no parsing: safe for text
 * that would overflow the stack of a recursive walk (or of `JSON.stringify` later), and cheap next
 * to `JSON.parse`.
 *
 * @example
 * jsonNestsDeeperThan('{"a":[1,[2]]}', 2); // true: three levels
 */
export function jsonNestsDeeperThan(json: string, limit: number): boolean {
  // Each level needs its own bracket: shorter text cannot cross the limit.
  if (json.length <= limit) return false;
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(json, i);
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
    }
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The index of the quote that closes the string opening at `start` (native `indexOf` does the scanning). */
function endOfString(json: string, start: number): number {
  let quote = json.indexOf('"', start + 1);
  while (quote !== -1) {
    let backslashes = 0;
    while (json.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
    // An even run of backslashes escapes itself, not the quote.
    if (backslashes % 2 === 0) return quote;
    quote = json.indexOf('"', quote + 1);
  }
  return json.length;
}
