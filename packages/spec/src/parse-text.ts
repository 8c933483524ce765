import { YAMLParseError, parse as parseYaml } from 'yaml';
import type { Problem } from './problem.js';

export type DefinitionFormat = 'json' | 'yaml';

export type ParseTextResult = { ok: true; value: unknown } | { ok: false; problems: Problem[] };

/**
 * Reads a definition written as JSON or YAML. Without a format, text starting with `{` is JSON and
 * anything else YAML. Duplicate keys are an error in both (JSON.parse would silently keep the last).
 */
export function parseDefinitionText(text: string, format?: DefinitionFormat): ParseTextResult {
  const chosen = format ?? (text.trimStart().startsWith('{') ? 'json' : 'yaml');
  try {
    // YAML 1.2 is a superset of JSON: one parser gives both formats line/column errors and duplicate-key checks.
    const value: unknown = parseYaml(text, { prettyErrors: true, uniqueKeys: true, strict: true, maxAliasCount: 100 });
    if (chosen === 'json') JSON.parse(text);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0] ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
      const first = error.message.split('\n')[0] ?? error.message;
      return { ok: false, problems: [{ path: '$', message: `invalid ${chosen.toUpperCase()}${where}: ${first.replace(/ at line \d+, column \d+:?$/, '')}` }] };
    }
    if (error instanceof SyntaxError) return { ok: false, problems: [{ path: '$', message: `invalid JSON: ${error.message}` }] };
    throw error;
  }
}
