import type { Problem } from '@agentic-flow/spec';

/** An error answer from the API: the HTTP status, a stable code and, for bad input, every problem. */
export class AgenticFlowError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = 'AgenticFlowError';
  }
}

/** `waitForCompletion` ran out of time; the execution goes on. */
export class WaitTimeoutError extends Error {
  constructor(
    readonly executionId: string,
    readonly lastStatus: string,
    timeoutMs: number,
  ) {
    super(`execution ${executionId} is still ${lastStatus} after ${timeoutMs} ms`);
    this.name = 'WaitTimeoutError';
  }
}
