import { stepError, type StepError, type StepErrorCode } from '@agentic-flow/spec';

/**
 * A step failure raised deep inside an agent run (a budget check, a second bad answer, a provider
 * that gave up). It unwinds the loop to the executor, which turns it into an `ok: false` outcome
 * that still carries the run's transcript and usage: that is why it is thrown rather than returned
 * through every layer.
 */
export class AgentFailure extends Error {
  readonly error: StepError;

  constructor(code: StepErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AgentFailure';
    this.error = stepError(code, message, details);
  }
}
