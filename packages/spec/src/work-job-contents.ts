/**
 * What a work step's job carries beside its config, by step type. The coordinator builds jobs and
 * has no executors, so these facts are declared with each type's schema (`steps/<type>.ts`) and
 * collected in `WORK_JOB_CONTENTS` (`step.ts`), where the engine, the coordinator and the worker
 * all read them.
 */
export interface WorkJobContents {
  /**
   * The step's scope (`StepContext`): its code reads results, variables and input at run time (a
   * script, an agent's context). An http step's templates are resolved by the engine instead, so
   * its job stays the size of its config.
   */
  readonly scope: boolean;
  /**
   * What is left of the execution's `tokenBudget`, when it has one: the step spends tokens (an
   * agent), and the worker stops it before it crosses the budget.
   */
  readonly tokenBudget: boolean;
}
