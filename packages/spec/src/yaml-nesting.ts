import { CST, Lexer } from 'yaml';

/** Where a YAML text first nests deeper than allowed: 1-based line and column. */
export interface YamlNestingExcess {
  line: number;
  column: number;
}

type BlockKind = 'map' | 'seq';

/** An open block collection: the column it is indented at, and whether a sequence sits in a map there. */
interface OpenBlock {
  column: number;
  kind: BlockKind;
  /** Collections open at this column: a map, and a sequence that is one of its values (`key:\n- a`). */
  count: 1 | 2;
}

/**
 * Finds where a YAML text may nest collections deeper than `maxDepth`, before any parsing: the
 * `yaml` parser and composer recurse (or get slower per level) with nesting, and a few thousand
 * `[` are enough to overflow the stack — at worst as a fatal out-of-memory error of V8 instead of
 * a RangeError. The lexer is linear and does not recurse, and its tokens already tell quoted
 * scalars, comments and block scalars apart from structure.
 *
 * The bound never underestimates: flow collections are counted by their brackets; block
 * collections by their indentation, as the parser nests them (a nested block collection is
 * indented further, except a sequence that is a mapping's value, which may sit at the mapping's
 * column). It may overestimate only for odd or invalid layouts. Aliases are not expanded here: the
 * parsed value still goes through {@link findJsonProblem}.
 *
 * @returns null when the text cannot nest deeper than `maxDepth`.
 */
export function findYamlNestingExcess(text: string, maxDepth: number): YamlNestingExcess | null {
  const blocks: OpenBlock[] = [];
  let blockDepth = 0;
  let flowDepth = 0;
  let line = 1;
  let column = 0;
  let lineStarted = false;
  // Where the current node's content began on this line: the column of an implicit key's mapping.
  let contentColumn: number | undefined;
  // The deepest flow nesting within that content: a flow collection can be a key (`[a, [b]]: c`),
  // and the parser nests it below the mapping it turns out to be a key of.
  let contentFlowPeak = 0;

  const open = (at: number, kind: BlockKind): boolean => {
    const top = blocks[blocks.length - 1];
    if (top === undefined || top.column < at) {
      blocks.push({ column: at, kind, count: 1 });
      blockDepth += 1;
    } else if (top.kind !== kind) {
      if (top.count === 1) {
        top.count = 2;
        blockDepth += 1;
      } else if (kind === 'map') {
        // Back to the mapping after a sequence that was one of its values.
        top.count = 1;
        blockDepth -= 1;
      }
      top.kind = kind;
    }
    return blockDepth + flowDepth > maxDepth;
  };

  // A block scalar's body (`|`, `>`) is one token after a marker, whatever its lines hold.
  let blockScalar: 'header' | 'body' | null = null;

  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    const at = column;
    if (blockScalar === 'body') {
      blockScalar = null;
      advance(token);
      continue;
    }
    if (blockScalar === 'header' && type === 'scalar') {
      blockScalar = 'body';
      continue;
    }
    if (type === 'block-scalar-header') blockScalar = 'header';
    advance(token);
    if (type === 'newline') {
      lineStarted = false;
      contentColumn = undefined;
      contentFlowPeak = 0;
      continue;
    }
    if (type === 'space' || type === 'comment' || type === 'doc-mode' || type === 'flow-error-end' || type === 'byte-order-mark') continue;
    if (type === 'doc-start' || type === 'doc-end' || type === 'directive-line') {
      blocks.length = 0;
      blockDepth = 0;
      flowDepth = 0;
      continue;
    }
    if (flowDepth === 0 && !lineStarted) {
      // A line's first token closes every block collection indented further.
      lineStarted = true;
      while (blocks.length > 0 && blocks[blocks.length - 1]!.column > at) blockDepth -= blocks.pop()!.count;
    }
    switch (type) {
      case 'flow-map-start':
      case 'flow-seq-start':
        contentColumn ??= at;
        flowDepth += 1;
        contentFlowPeak = Math.max(contentFlowPeak, flowDepth);
        if (blockDepth + flowDepth > maxDepth) return { line, column: at + 1 };
        continue;
      case 'flow-map-end':
      case 'flow-seq-end':
        flowDepth = Math.max(0, flowDepth - 1);
        continue;
      case 'seq-item-ind':
      case 'explicit-key-ind':
      case 'map-value-ind':
        if (flowDepth > 0) continue;
        if (open(type === 'map-value-ind' ? (contentColumn ?? at) : at, type === 'seq-item-ind' ? 'seq' : 'map')) return { line, column: at + 1 };
        if (type === 'map-value-ind' && blockDepth + contentFlowPeak > maxDepth) return { line, column: (contentColumn ?? at) + 1 };
        contentColumn = undefined;
        contentFlowPeak = 0;
        continue;
      default:
        contentColumn ??= at;
    }
  }
  return null;

  /** Moves line and column past a token; scalars and block scalar bodies may span lines. */
  function advance(token: string): void {
    const lastBreak = token.lastIndexOf('\n');
    if (lastBreak === -1) {
      // The lexer's markers ("\u0002", "\u001f", "\u0018") are not in the source.
      if (token.length !== 1 || token >= ' ') column += token.length;
      return;
    }
    for (let i = token.indexOf('\n'); i !== -1; i = token.indexOf('\n', i + 1)) line += 1;
    column = token.length - lastBreak - 1;
    // What follows the token on its last line is the next line's first token only if nothing else is there.
    lineStarted = token.slice(lastBreak + 1).trim() !== '';
    contentColumn = undefined;
    contentFlowPeak = 0;
  }
}
