import { stepError, type StepError } from '@agentic-flow/spec';

/** Longest message an INTERNAL error carries: a first line tells what broke, a stack belongs in the worker's log. */
const MAX_MESSAGE_LENGTH = 1000;

/**
 * The step error for a fault of ours (an executor that threw, a bug in the worker's own handling of
 * a step): `INTERNAL`, naming what broke. Thrown messages can quote what the code was handling — a
 * resolved URL, a header — so every secret the worker holds is masked out of it before it leaves
 * the worker in a result.
 *
 * @example
 * internalError('executor "http" crashed', new Error('GET https://x/?key=s3cr3t failed'), ['s3cr3t']);
 * // { code: 'INTERNAL', message: 'executor "http" crashed: Error: GET https://x/?key=[secret] failed' }
 */
export function internalError(what: string, error: unknown, secrets: readonly string[]): StepError {
  return stepError('INTERNAL', truncate(`${what}: ${redactSecrets(describeThrown(error), secrets)}`));
}

/** `name: message` of an Error, without ever throwing (a hostile getter or `toString` included). */
export function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return `a non-error value was thrown (${typeof error})`;
  } catch {
    return 'an error that cannot be described';
  }
}

/** `text` with every occurrence of each secret replaced by `[secret]`, longest secrets first. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) redacted = redacted.replaceAll(secret, '[secret]');
  return redacted;
}

function truncate(text: string): string {
  return text.length <= MAX_MESSAGE_LENGTH ? text : `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}
