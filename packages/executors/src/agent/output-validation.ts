import type { JsonValidator, SchemaViolation } from './json-schema.js';

/**
 * Reading a model's final answer. Models wrap JSON in Markdown fences and add prose around it, so
 * the rules are lenient where a schema will catch mistakes anyway, and conservative where nothing
 * checks the result (a text that merely contains JSON stays text).
 */

/** Why an answer was rejected, as `details.reason` of `AGENT_OUTPUT`. */
export type AnswerRejection = 'not_json' | 'schema_violation' | 'invalid_plan';

export type AnswerCheck = { ok: true; value: unknown } | { ok: false; reason: AnswerRejection; problem: string; violations?: SchemaViolation[] };

/** Checks one answer text; the agent loop gives the model one chance to fix a rejected one. */
export type AnswerChecker = (text: string) => AnswerCheck;

const FENCE = /```[ \t]*([A-Za-z0-9_-]*)[ \t]*\r?\n([\s\S]*?)\r?\n?```/;

/**
 * The output of an answer when the step has no output schema: the parsed JSON when the whole text
 * (or a fence that is the whole text) is a JSON object or array, the text otherwise.
 */
export function freeAnswerValue(text: string): unknown {
  const trimmed = text.trim();
  const fenced = FENCE.exec(trimmed);
  const candidate = fenced && fenced.index === 0 && fenced[0].length === trimmed.length && isJsonFence(fenced[1]!) ? fenced[2]!.trim() : trimmed;
  if (!candidate.startsWith('{') && !candidate.startsWith('[')) return text;
  try {
    return JSON.parse(candidate) as unknown;
  } catch {
    return text;
  }
}

/**
 * Parses an answer that must be JSON: the bare text, or else the first ```json (or unlabelled)
 * fence anywhere in it, so "Here it is: ```json …```" passes.
 */
export function parseJsonAnswer(text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, problem: 'the answer is empty' };
  let firstError: string;
  try {
    return { ok: true, value: JSON.parse(trimmed) as unknown };
  } catch (error) {
    firstError = (error as Error).message;
  }
  const fenced = FENCE.exec(trimmed);
  if (fenced && isJsonFence(fenced[1]!)) {
    try {
      return { ok: true, value: JSON.parse(fenced[2]!) as unknown };
    } catch (error) {
      return { ok: false, problem: `the JSON in the fenced block does not parse: ${(error as Error).message}` };
    }
  }
  return { ok: false, problem: `the answer is not valid JSON: ${firstError}` };
}

/** The checker of a final answer: anything goes without a schema; with one, JSON that conforms. */
export function outputChecker(validate: JsonValidator | undefined): AnswerChecker {
  if (validate === undefined) return (text) => ({ ok: true, value: freeAnswerValue(text) });
  return (text) => {
    const parsed = parseJsonAnswer(text);
    if (!parsed.ok) return { ok: false, reason: 'not_json', problem: parsed.problem };
    const violations = validate(parsed.value);
    if (violations.length === 0) return { ok: true, value: parsed.value };
    return { ok: false, reason: 'schema_violation', problem: 'the answer does not satisfy the output schema', violations };
  };
}

function isJsonFence(language: string): boolean {
  return language === '' || language.toLowerCase() === 'json';
}
