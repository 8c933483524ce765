import type { ExecutionOverview, ExecutionView, LifecycleResult, LogEntryView, Page, SnapshotView } from '@agentic-flow/spec';
import type { CallOptions } from './call-options.js';
import { ExecutionFailedError } from './execution-errors.js';
import { executionStateOf, type ExecutionState } from './execution-state.js';
import type { WaitOptions } from './execution-waiter.js';

/** An execution as `describe()` reads it: the API's view, plus its {@link ExecutionState} (`escalated` when it waits for a decision). */
export type ExecutionDescription<E extends ExecutionOverview = ExecutionOverview> = E & { state: ExecutionState };

/** What a handle needs of the client: the execution methods, by id. */
export interface ExecutionClient {
  getExecution(executionId: string, options: { outputs: false } & CallOptions): Promise<ExecutionOverview>;
  getExecution(executionId: string, options?: { outputs?: true } & CallOptions): Promise<ExecutionView>;
  waitForCompletion(executionId: string, options?: WaitOptions): Promise<ExecutionView>;
  pauseWorkflow(executionId: string, options?: CallOptions): Promise<LifecycleResult>;
  resumeWorkflow(executionId: string, options?: CallOptions): Promise<LifecycleResult>;
  cancelExecution(executionId: string, options?: CallOptions): Promise<LifecycleResult>;
  getExecutionLogs(executionId: string, options?: CallOptions): Promise<Page<LogEntryView>>;
  listSnapshots(executionId: string, options?: CallOptions): Promise<Page<SnapshotView>>;
}

/**
 * One execution, to wait for and act on: what `client.start()` returns and `client.getHandle(id)`
 * makes. `R` is the type `result()` resolves with: the results by step id (see `defineWorkflow`).
 *
 * @example
 * const run = await client.start('etl', { day: '2026-01-31' });
 * try {
 *   const results = await run.result({ onStep: (s) => console.log(s.stepId, s.status) });
 * } catch (error) {
 *   if (error instanceof ExecutionFailedError) console.error(error.failedStep?.stepId, error.failedStep?.error);
 *   else throw error;
 * }
 */
export class ExecutionHandle<R = Record<string, unknown>> {
  constructor(
    private readonly client: ExecutionClient,
    /** The execution's id. */
    readonly id: string,
  ) {}

  /** The execution now, without outputs (`{ outputs: true }`: with them), and its state (`escalated` when it waits for a decision). */
  async describe(options?: { outputs?: false } & CallOptions): Promise<ExecutionDescription>;
  async describe(options: { outputs: true } & CallOptions): Promise<ExecutionDescription<ExecutionView>>;
  async describe(options: { outputs?: boolean } & CallOptions = {}): Promise<ExecutionDescription<ExecutionOverview | ExecutionView>> {
    const { outputs, ...call } = options;
    const execution = outputs === true ? await this.client.getExecution(this.id, call) : await this.client.getExecution(this.id, { ...call, outputs: false });
    return { ...execution, state: executionStateOf(execution) };
  }

  /**
   * Waits until the execution ends and resolves with its results by step id. A failed or cancelled
   * execution rejects with `ExecutionFailedError` (the failing step and its error); an escalated step
   * is reported to `onEscalation`, or rejects with `ExecutionEscalatedError` when there is none; past
   * `timeoutMs` (default 5 minutes) it rejects with `WaitTimeoutError`.
   */
  async result<T = R>(options: WaitOptions<boolean> = {}): Promise<T> {
    const execution = await this.client.waitForCompletion(this.id, options as WaitOptions);
    if (execution.status === 'completed') return execution.results as T;
    throw new ExecutionFailedError(execution as ExecutionView & { status: 'failed' | 'cancelled' });
  }

  /** Stops starting new steps; running ones finish. 409 (`HttpError`) unless running. */
  pause(options?: CallOptions): Promise<LifecycleResult> {
    return this.client.pauseWorkflow(this.id, options);
  }

  /** Continues a paused execution, or re-runs what failed of a failed one. */
  resume(options?: CallOptions): Promise<LifecycleResult> {
    return this.client.resumeWorkflow(this.id, options);
  }

  /** Withdraws queued steps, stops running ones, and ends the execution `cancelled`. */
  cancel(options?: CallOptions): Promise<LifecycleResult> {
    return this.client.cancelExecution(this.id, options);
  }

  /** Log lines of its steps, oldest first. */
  logs(options?: CallOptions): Promise<Page<LogEntryView>> {
    return this.client.getExecutionLogs(this.id, options);
  }

  /** Its snapshots, newest first. */
  snapshots(options?: CallOptions): Promise<Page<SnapshotView>> {
    return this.client.listSnapshots(this.id, options);
  }
}
