import type { HttpResponse, StepError, TokenUsage } from '@agentic-flow/spec';
import type { ExecutionState } from './execution-state.js';

/**
 * The value of an expression the engine asked for, as the coordinator's sandbox computed it.
 * `warning`: the expression compared or computed with `undefined` read from a property path; what
 * was missing, and what was there (the engine logs it once per step instance and expression).
 */
export type ExpressionOutcome = { ok: true; truthy: boolean; value: unknown; warning?: string } | { ok: false; error: StepError };

export type ExpressionPurpose = 'condition' | 'loop-condition' | 'loop-break';

/**
 * What a human decided about an `escalated` step: run it again (a new attempt), count it as done
 * without output (as strategy `skip`), let it succeed with `output`, or let its failure go on to its
 * scope as if it had no strategy.
 */
export type ErrorResolution = { action: 'retry' } | { action: 'skip' } | { action: 'output'; output: unknown } | { action: 'fail' };

/**
 * What happened. Time comes in with the event: the engine has no clock. A step result's `usage` is
 * what an agent step run reported (the result's `agent.usage`); the engine adds it to the
 * execution's totals unless it ignores the result.
 */
export type EngineEvent =
  | { type: 'start'; at: number }
  /** `response`: an http step's status and headers, beside its `output` (the body). */
  | {
      type: 'step.succeeded';
      key: string;
      attempt: number;
      output: unknown;
      response?: HttpResponse;
      variableUpdates?: Record<string, unknown>;
      usage?: TokenUsage;
      at: number;
    }
  | { type: 'step.failed'; key: string; attempt: number; error: StepError; usage?: TokenUsage; at: number }
  /** The answer to an `evaluate` command; `attempt` and `iteration` (when given) must match what the node waits for. */
  | { type: 'expression.evaluated'; key: string; purpose: ExpressionPurpose; outcome: ExpressionOutcome; attempt?: number; iteration?: number; at: number }
  | { type: 'pause'; at: number }
  /** From `paused`: continue. From `failed`: retry what failed, keeping what succeeded. */
  | { type: 'resume'; at: number }
  | { type: 'cancel'; at: number }
  /** A human resolved the escalated step run `key`/`attempt`. */
  | { type: 'error.resolved'; key: string; attempt: number; resolution: ErrorResolution; at: number }
  /** Go back to `snapshot` (a state of this same execution, saved earlier) and continue from there. */
  | { type: 'restore'; snapshot: ExecutionState; at: number }
  /**
   * Something step instance `key`'s kind asked the shell for came back: a timer it scheduled is due,
   * a child execution it started settled. Ignored unless the node is still at `attempt`.
   */
  | { type: 'step.signal'; key: string; attempt: number; signal: StepSignal; at: number };

/**
 * What comes back to a step instance from outside the engine (see `ScheduleSignalCommand`,
 * `StartChildCommand`). PostgreSQL holds a signal until a transaction applies it, so none is lost
 * with a coordinator or with Redis.
 */
export type StepSignal =
  | { type: 'timer' }
  /** A parallel that started as many branches as one transition may: it starts the next ones. */
  | { type: 'launch' }
  | {
      type: 'child-settled';
      childExecutionId: string;
      status: 'completed' | 'failed' | 'cancelled';
      /** completed: the child's results, by step id. */
      output?: unknown;
      /** failed or cancelled: why. */
      error?: StepError;
    };

export type StepResultEvent = Extract<EngineEvent, { type: 'step.succeeded' | 'step.failed' }>;
export type ExpressionEvent = Extract<EngineEvent, { type: 'expression.evaluated' }>;
export type RestoreEvent = Extract<EngineEvent, { type: 'restore' }>;
export type ErrorResolvedEvent = Extract<EngineEvent, { type: 'error.resolved' }>;
export type SignalEvent = Extract<EngineEvent, { type: 'step.signal' }>;
export type StepSucceededEvent = Extract<EngineEvent, { type: 'step.succeeded' }>;
