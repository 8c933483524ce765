/** A position in the user's code, 1-based like editors show it. */
export interface SourcePosition {
  line: number;
  column: number;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The first frame of `stack` inside `filename`: where the user's code threw, or called into the
 * module that threw.
 */
export function positionInStack(stack: string | undefined, filename: string): SourcePosition | undefined {
  if (stack === undefined) return undefined;
  const match = new RegExp(`${escapeRegExp(filename)}:(\\d+):(\\d+)`).exec(stack);
  if (match === null) return undefined;
  return { line: Number(match[1]), column: Number(match[2]) };
}

/**
 * Drops the frames of sandbox internals, which mean nothing to the script's author: frames in
 * `internalFilenames`, and the wrapper's own frame, which V8 prints as a bare `at <wrapperFilename>`
 * because it sits on line 0.
 */
export function userStack(stack: string | undefined, internalFilenames: readonly string[], wrapperFilename: string): string | undefined {
  if (stack === undefined) return undefined;
  const kept = stack
    .split('\n')
    .filter(
      (line) => !internalFilenames.some((name) => line.includes(name)) && !line.includes('<isolated-vm boundary>') && line.trim() !== `at ${wrapperFilename}`,
    );
  return kept.join('\n');
}

/**
 * isolated-vm appends the position of a compile error to its message (`Unexpected token ';'
 * [script.js:2:11]`). This splits the two and maps the position into `source`, the user's text, which
 * the sandbox compiled between a wrapper's opening line 0 and its closing line: an error V8 finds on
 * the closing line means the user's text ended too early (an unclosed bracket, block or string).
 */
export function splitCompileError(message: string, filename: string, source: string): { message: string; position?: SourcePosition } {
  const match = new RegExp(`\\s*\\[${escapeRegExp(filename)}:(-?\\d+):(\\d+)\\]$`).exec(message);
  if (match === null) return { message };
  const text = message.slice(0, match.index);
  const lines = source.split('\n');
  const line = Number(match[1]);
  if (line > lines.length) {
    return { message: 'Unexpected end of input', position: { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 } };
  }
  return { message: text, position: { line: Math.max(line, 1), column: Number(match[2]) } };
}
