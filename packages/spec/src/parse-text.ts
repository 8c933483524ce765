import { YAMLParseError, isScalar, parseDocument, visit, type Document } from 'yaml';
import { MAX_JSON_DEPTH } from './json-limits.js';
import type { Problem } from './problem.js';
import { findYamlNestingExcess } from './yaml-nesting.js';

export type DefinitionFormat = 'json' | 'yaml';

/**
 * The most bytes of definition text (YAML, or JSON sent as text) a coordinator parses: the YAML
 * parser takes 2–3 s of CPU per MB on the event loop, so a smaller cap than JSON bodies' keeps one
 * request from stalling a coordinator for long. Definitions written by hand are a few KB; larger
 * ones can be sent as JSON objects.
 */
export const YAML_BODY_LIMIT = 512 * 1024;

/**
 * The value, or why there is none: `syntax` for text that is not JSON/YAML (broken syntax, duplicate
 * keys, unresolved, cyclic or too many aliases), `too-deep` for collections nested deeper than
 * {@link MAX_JSON_DEPTH}, refused before parsing.
 */
export type ParseTextResult = { ok: true; value: unknown } | { ok: false; reason: 'syntax' | 'too-deep'; problems: Problem[] };

/**
 * Reads a definition (or any request body) written as JSON or YAML. Without a format, text starting
 * with `{` is JSON and anything else YAML. Duplicate keys are an error in both (JSON.parse would
 * silently keep the last). Never throws for bad text, however deep or aliased.
 */
export function parseDefinitionText(text: string, format?: DefinitionFormat): ParseTextResult {
  const chosen = format ?? (text.trimStart().startsWith('{') ? 'json' : 'yaml');
  // The YAML parser recurses per level of nesting: bound the nesting before it runs.
  const excess = findYamlNestingExcess(text, MAX_JSON_DEPTH);
  if (excess) {
    return {
      ok: false,
      reason: 'too-deep',
      problems: [{ path: '$', message: `nested deeper than ${MAX_JSON_DEPTH} levels at line ${excess.line}, column ${excess.column}` }],
    };
  }
  try {
    // YAML 1.2 is a superset of JSON: one parser gives both formats line/column errors and duplicate-key checks.
    // uniqueKeys off: the library compares each key with every earlier one of its map, quadratic
    // (a 700 KB object took a minute); duplicateKey does it with a set. logLevel 'error': warnings
    // about a client's text (collection keys made strings) are not the server's to print.
    const document = parseDocument(text, { prettyErrors: true, uniqueKeys: false, strict: true, logLevel: 'error' });
    if (document.errors.length > 0) throw document.errors[0];
    const duplicate = duplicateKey(document);
    if (duplicate !== undefined)
      return syntaxProblem(
        `invalid ${chosen.toUpperCase()} at ${lineAndColumn(text, duplicate.offset)}: Map keys must be unique (${JSON.stringify(duplicate.key)} again)`,
      );
    const cycle = text.includes('*') ? cyclicAlias(document) : undefined;
    if (cycle !== undefined) return syntaxProblem(`invalid YAML: alias *${cycle} refers to a node that contains it`);
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (chosen === 'json') JSON.parse(text);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0] ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
      const first = error.message.split('\n')[0] ?? error.message;
      return syntaxProblem(`invalid ${chosen.toUpperCase()}${where}: ${first.replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    // toJS: an alias to an anchor defined later, or aliases expanding past maxAliasCount (a "billion laughs").
    if (error instanceof ReferenceError) return syntaxProblem(`invalid YAML: ${error.message}`);
    if (error instanceof SyntaxError) return syntaxProblem(`invalid JSON: ${error.message}`);
    throw error;
  }
}

function syntaxProblem(message: string): ParseTextResult {
  return { ok: false, reason: 'syntax', problems: [{ path: '$', message }] };
}

/** The name of an alias inside the node it refers to (`&a [*a]`), which would make the value a cycle. */
function cyclicAlias(document: Document): string | undefined {
  let found: string | undefined;
  visit(document, {
    Alias(_key, alias, ancestors) {
      const target = alias.resolve(document);
      if (target !== undefined && ancestors.includes(target)) {
        found = alias.source;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** The first key that repeats within its map, and where; linear in the number of keys. */
function duplicateKey(document: Document): { key: unknown; offset: number } | undefined {
  let found: { key: unknown; offset: number } | undefined;
  visit(document, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        // Scalars compare by value, as the library's own check does; other keys (collections) by identity.
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) {
          found = { key, offset: isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0 };
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}

function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}
