import type { EvaluateCommand, ExpressionOutcome } from '@agentic-flow/engine';
import type { ExpressionAnswer } from '@agentic-flow/queue';
import { EvaluationCancelledError } from '@agentic-flow/sandbox';
import type { Logger } from '@agentic-flow/telemetry';
import type { ExpressionRunner } from './expression-runner.js';

/** An evaluation a transition left unanswered: its command, and its answer if it was already on its way. */
export interface DeferredEvaluation {
  command: EvaluateCommand;
  answer?: Promise<ExpressionOutcome>;
}

export interface BackgroundEvaluationsOptions {
  runner: ExpressionRunner;
  /** Puts an answer on `step-results`, where any coordinator applies it. */
  publish: (answer: ExpressionAnswer) => Promise<void>;
  logger: Logger;
}

/**
 * Evaluations that go on after the transaction that asked for them committed, so a slow expression
 * holds up only its own execution: each answer is published on `step-results` and applied by a
 * later transaction. An evaluation already under way here is not started twice (the reconciler may
 * ask again for one that takes long). If this coordinator dies first, its answers are lost and the
 * reconciler asks again (`pendingEvaluations`).
 */
export class BackgroundEvaluations {
  private readonly inFlight = new Set<string>();

  constructor(private readonly options: BackgroundEvaluationsOptions) {}

  /** Answers each deferred evaluation of execution `executionId` in the background. */
  continue(executionId: string, deferred: readonly DeferredEvaluation[]): void {
    for (const { command, answer } of deferred) {
      const id = identity(executionId, command);
      if (this.inFlight.has(id)) continue;
      this.inFlight.add(id);
      void this.answer(executionId, command, answer).finally(() => this.inFlight.delete(id));
    }
  }

  /** Stops answering for an execution that settled: its queued and running sandbox evaluations are dropped. */
  forget(executionId: string): void {
    this.options.runner.cancel(executionId);
  }

  /** Evaluations under way (tests, metrics). */
  get size(): number {
    return this.inFlight.size;
  }

  private async answer(executionId: string, command: EvaluateCommand, pending: Promise<ExpressionOutcome> | undefined): Promise<void> {
    const { runner, publish, logger } = this.options;
    let outcome: ExpressionOutcome;
    try {
      outcome = await (pending ?? Promise.resolve(runner.answerNow(command) ?? runner.evaluate(command, executionId)));
    } catch (error) {
      // Dropped because its execution settled: nobody waits for the answer.
      if (error instanceof EvaluationCancelledError) return;
      // The sandbox is closing or broken: nothing is answered, and the reconciler asks again later.
      logger.warn({ err: error, executionId, key: command.key }, 'background evaluation failed; the reconciler will ask again');
      return;
    }
    const answer: ExpressionAnswer = {
      v: 1,
      kind: 'expression',
      executionId,
      key: command.key,
      purpose: command.purpose,
      attempt: command.attempt,
      ...(command.iteration === undefined ? {} : { iteration: command.iteration }),
      outcome: outcome.ok
        ? { ok: true, truthy: outcome.truthy, ...(outcome.warning === undefined ? {} : { warning: outcome.warning }) }
        : { ok: false, error: outcome.error },
    };
    await publish(answer).catch((error: unknown) =>
      logger.warn({ err: error, executionId, key: command.key }, 'could not publish an expression answer; the reconciler will ask again'),
    );
  }
}

function identity(executionId: string, command: EvaluateCommand): string {
  return `${executionId}\u0000${command.key}\u0000${command.purpose}\u0000${command.attempt}\u0000${command.iteration ?? ''}`;
}
