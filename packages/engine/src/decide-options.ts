import type { RecoveryStrategy } from '@agentic-flow/spec';

/**
 * The recovery strategies registered through the API that may act in one execution. Two maps, not
 * one keyed by either: a step may be called `http`, and its strategy must not be taken for the
 * `http` type's (or the reverse).
 */
export interface RegisteredStrategies {
  /** By step id: those registered for this execution's workflow only (`{ workflowId, stepId }`). */
  readonly byStep: ReadonlyMap<string, RecoveryStrategy>;
  /** By step type: those of every workflow of the execution's namespace. */
  readonly byType: ReadonlyMap<string, RecoveryStrategy>;
}

/** What `decide` needs beyond the workflow, the state and the event. */
export interface DecideOptions {
  /**
   * Recovery strategies registered through the API for this execution. A step's own `onError` wins
   * over its id's, which wins over its type's.
   */
  strategies?: RegisteredStrategies;
  /** How deep `workflow` steps may nest child executions (`MAX_WORKFLOW_DEPTH`); default 10. */
  maxWorkflowDepth?: number;
  /**
   * How many step instances (nodes) one execution may hold (`MAX_STEPS_PER_EXECUTION`); default
   * 1,000,000. The container that would create one more fails `EXECUTION_TOO_LARGE`.
   */
  maxStepsPerExecution?: number;
  /**
   * How many parallel branches one transition starts, of every parallel together
   * (`BRANCH_STARTS_PER_TRANSITION`); default 1,000. The rest start in the transitions after it — the next results', or the one its
   * own `launch` signal brings at once — so one transition's writes, jobs and memory stay bounded
   * however many branches the parallel has.
   */
  branchStartsPerTransition?: number;
  /**
   * The branch starts left to the transaction this decision is part of, shared by all its decisions
   * (a batch of results is one decision per result, and each may start branches): decremented by
   * each start, and used instead of `branchStartsPerTransition` when given. The one thing a decision
   * changes outside the state it is handed; a reverted decision does not give its starts back.
   */
  branchStartBudget?: BranchStartBudget;
}

/** Branch starts a transaction has left (see `DecideOptions.branchStartBudget`). */
export interface BranchStartBudget {
  remaining: number;
}

/** The node limit when the shell gives none (`DecideOptions.maxStepsPerExecution`). */
export const DEFAULT_MAX_STEPS_PER_EXECUTION = 1_000_000;

/** The branch starts one transition may make per parallel when the shell gives none (`DecideOptions.branchStartsPerTransition`). */
export const DEFAULT_BRANCH_STARTS_PER_TRANSITION = 1_000;
