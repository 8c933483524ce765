import type { SecretMask } from '@agentic-flow/executors';
import { stepError, type StepError } from '@agentic-flow/spec';

/** Longest message an INTERNAL error carries: a first line tells what broke, a stack belongs in the worker's log. */
const MAX_MESSAGE_LENGTH = 1000;

/**
 * The step error for a fault of ours (an executor that threw, a bug in the worker's own handling of
 * a step): `INTERNAL`, naming what broke. Thrown messages can quote what the code was handling — a
 * resolved URL, a header — so every secret the worker holds is masked out of it (before it is
 * truncated: a secret cut in two would no longer be recognised).
 *
 * @example
 * internalError('executor "http" crashed', new Error('GET https://x/?key=s3cr3t failed'), SecretMask.of(['s3cr3t']));
 * // { code: 'INTERNAL', message: 'executor "http" crashed: Error: GET https://x/?key=*** failed' }
 */
export function internalError(what: string, error: unknown, mask: SecretMask): StepError {
  return stepError('INTERNAL', truncate(`${what}: ${mask.text(describeThrown(error))}`));
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

function truncate(text: string): string {
  return text.length <= MAX_MESSAGE_LENGTH ? text : `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}
