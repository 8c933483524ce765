import type { Problem } from '@agentic-flow/spec';
import { DomainError } from './domain-error.js';

/** `invalid <what>: N problems`, the message of every refusal of input that lists its problems. */
export function invalidInputMessage(problems: readonly Problem[], what: string): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `invalid ${what}: ${count}`;
}

/** Input refused with every problem found (`VALIDATION_FAILED`); `what` names the input in the message. */
export class InvalidInputError extends DomainError<'VALIDATION_FAILED'> {
  constructor(problems: Problem[], what: string) {
    super('VALIDATION_FAILED', invalidInputMessage(problems, what), { problems });
    this.name = 'InvalidInputError';
  }
}
