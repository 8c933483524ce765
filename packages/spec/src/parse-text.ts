import { YAMLParseError, parseDocument, visit, type Document } from 'yaml';
import { MAX_JSON_DEPTH } from './json-limits.js';
import type { Problem } from './problem.js';
import { findYamlNestingExcess } from './yaml-nesting.js';

export type DefinitionFormat = 'json' | 'yaml';

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
    return { ok: false, reason: 'too-deep', problems: [{ path: '$', message: `nested deeper than ${MAX_JSON_DEPTH} levels at line ${excess.line}, column ${excess.column}` }] };
  }
  try {
    // YAML 1.2 is a superset of JSON: one parser gives both formats line/column errors and duplicate-key checks.
    // logLevel 'error': warnings about a client's text (collection keys made strings) are not the server's to print.
    const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true, strict: true, logLevel: 'error' });
    if (document.errors.length > 0) throw document.errors[0];
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
