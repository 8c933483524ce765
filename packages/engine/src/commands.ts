import type { ExpressionPurpose, StepSignal } from './events.js';
import type { ExecutionError, ExecutionStatus, RetryPolicy, SecretSlot, StepContext, StepError, WorkStepType } from '@agentic-flow/spec';

/**
 * What a step's code and expressions can read: the same scope for scripts, agents and expressions.
 * Spec's `StepContext`, the shape the queue checks a job's `context` against and executors are handed.
 */
export type ScopePayload = StepContext;

/** What the scope of a work step holds when it reaches a worker. */
export type StepContextPayload = ScopePayload;
/** What an expression is evaluated over. */
export type ExpressionScopePayload = ScopePayload;

/** Run a work step on a worker: the shell records a queued step run, then enqueues it after commit. */
export interface RunStepCommand {
  type: 'run-step';
  key: string;
  stepId: string;
  stepType: WorkStepType;
  attempt: number;
  /** The step's config, templates resolved; a string holding secrets reads as its slot describes it. */
  config: unknown;
  /**
   * Where the worker puts secret values: made from the definition's own text only (never from
   * resolved data), the only places a worker fills. Absent when the config references no secret.
   */
  secretSlots?: SecretSlot[];
  /** Present for step types whose code reads the scope (spec's `WORK_JOB_CONTENTS`: scripts, agents). */
  context?: StepContextPayload;
  /**
   * Present when the step's recovery strategy is `retry`: BullMQ makes up to `attempts` attempts of
   * the job, so a failure that reaches the engine is the last attempt's.
   */
  retry?: RetryPolicy;
  /**
   * Steps that spend tokens (spec's `WORK_JOB_CONTENTS`: agents) of an execution with a
   * `tokenBudget`: the tokens it may still use (its budget minus what its agent runs used so far).
   * The worker stops the agent when its run would go past it.
   */
  budget?: { remainingTokens: number };
  at: number;
}

/** A `retry` strategy as the queue carries it out: spec's one `RetryPolicy` (also the queue's `StepJobSchema.retry`). */
export type { RetryPolicy };

/**
 * Record a step run that needs no worker (a skipped step, a template failure, a control step), or
 * the outcome of one the engine decided (a recovered failure, a coordinator agent). Without
 * `output`, the run keeps the output it has: a coordinator agent's run is its plan run, which keeps
 * `{ plan }` when the step succeeds with its synthesis's answer.
 */
export interface RecordStepCommand {
  type: 'record-step';
  key: string;
  stepId: string;
  stepType: string;
  attempt: number;
  status: 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  output?: unknown;
  error?: StepError;
  at: number;
}

/** Withdraw a queued step for good (execution cancelled, restored, or its scope failed): the shell marks its run cancelled and removes its job. */
export interface CancelStepCommand {
  type: 'cancel-step';
  key: string;
  stepId: string;
  attempt: number;
  at: number;
}

/**
 * Remove a queued step's job before a worker takes it (execution paused). The step run stays
 * queued: a job a worker already holds finishes and its result applies, even while paused; resume
 * sends the step again with the same attempt (a `run-step` for the same step run).
 */
export interface WithdrawStepCommand {
  type: 'withdraw-step';
  key: string;
  stepId: string;
  attempt: number;
  at: number;
}

/**
 * Evaluate a JavaScript expression (a condition, a loop's condition or break condition) and answer
 * with an `expression.evaluated` event carrying the same key, purpose, attempt and iteration: in the
 * same transaction, or in a later one (the node waits, persisted, in between).
 */
export interface EvaluateCommand {
  type: 'evaluate';
  key: string;
  purpose: ExpressionPurpose;
  /** The node's attempt: an answer for another attempt of the same key is ignored. */
  attempt: number;
  /** A loop's: the iteration the answer is for (its condition before it, its break condition after it). */
  iteration?: number;
  expression: string;
  scope: ExpressionScopePayload;
  at: number;
}

/**
 * Add a line to the execution's logs about step instance `key` (a decision that read `undefined`):
 * the shell writes it in the transition's transaction.
 */
export interface LogCommand {
  type: 'log';
  key: string;
  stepId: string;
  attempt: number;
  level: 'warn';
  message: string;
  at: number;
}

/** What the engine did with a step's final failure (`retry`: BullMQ's attempts are spent and it fails as without a strategy). */
export type RecoveryAction = 'retry' | 'skip' | 'alternative' | 'rollback' | 'escalate' | 'none';

/**
 * A step instance failed for good (for a work step with `retry`: its last attempt), emitted once per
 * such failure, before its recovery strategy acts. The shell writes an `errors` row (and, for
 * `escalate`, raises an alert).
 */
export interface RecordErrorCommand {
  type: 'record-error';
  key: string;
  stepId: string;
  stepType: string;
  attempt: number;
  error: StepError;
  strategy: RecoveryAction;
  /** An `escalate` strategy's `escalationHandler`: who the alert is for. */
  escalationHandler?: string;
  at: number;
}

/** The execution reached a settled status; the shell publishes it. */
export interface ExecutionSettledCommand {
  type: 'execution-settled';
  status: ExecutionStatus;
  error: ExecutionError | null;
  at: number;
}

/**
 * Deliver `signal` to step run `key`/`attempt` as a `step.signal` event at `dueAt` (epoch ms), or at
 * once when that is past. The shell stores it in the transition's transaction and a coordinator
 * applies it when due: a timer lives in PostgreSQL, not in a process or in Redis.
 */
export interface ScheduleSignalCommand {
  type: 'schedule-signal';
  key: string;
  stepId: string;
  attempt: number;
  dueAt: number;
  signal: StepSignal;
  at: number;
}

/**
 * Start a child execution of workflow `workflowId` (at `version`, else its latest) for step run
 * `key`/`attempt`, one level deeper than this execution (`depth`). When it settles, the shell
 * signals this execution (`child-settled`) in the child's settling transaction.
 */
export interface StartChildCommand {
  type: 'start-child';
  key: string;
  stepId: string;
  attempt: number;
  workflowId: string;
  version?: string;
  variables: Record<string, unknown>;
  depth: number;
  at: number;
}

/**
 * Carry a lifecycle action to the child execution of step instance `key` (the latest it started):
 * `cancel`, `pause`, or `resume` (a paused child continues, a failed one runs again from its
 * failure); its settling then signals step run `key`/`attempt`.
 */
export interface SignalChildCommand {
  type: 'signal-child';
  key: string;
  stepId: string;
  attempt: number;
  childExecutionId?: string;
  action: 'cancel' | 'pause' | 'resume';
  at: number;
}

export type EngineCommand =
  | RunStepCommand
  | RecordStepCommand
  | RecordErrorCommand
  | CancelStepCommand
  | WithdrawStepCommand
  | EvaluateCommand
  | LogCommand
  | ScheduleSignalCommand
  | StartChildCommand
  | SignalChildCommand
  | ExecutionSettledCommand;
