import { randomUUID } from 'node:crypto';
import type { CompiledWorkflow, EngineCommand, ExecutionState } from '@agentic-flow/engine';
import type { ChildAction } from './child-action.js';
import { childSettled } from './child-settled.js';
import type { StepJob } from '@agentic-flow/queue';
import { stepOf } from '@agentic-flow/engine';
import type { ExecutionStatus } from '@agentic-flow/spec';
import type { NewError, NewEvent, NewLog, NewStepSignal, StepRunKey, StepRunWrite, TransitionWrites } from '@agentic-flow/store';
import { EventCollector, type StepDone } from '../events/event-collector.js';
import type { StepJobRef } from './enqueue-after-commit.js';
import { runInput } from './run-input.js';
import { stepJobDraft } from './step-job.js';

interface ExecutionRef {
  id: string;
  /** Copied onto the errors the commands record. */
  namespace: string;
  workflowId: string;
  workflowVersion: string;
}

type JobDraft = Omit<StepJob, 'stepRunId'>;

const SETTLED: ReadonlySet<ExecutionStatus> = new Set(['completed', 'failed', 'cancelled']);

/**
 * The side effects of engine commands across one transaction: step-run rows to write now, jobs to
 * enqueue and runs to cancel (their jobs removed, their workers told) once the transaction has
 * committed.
 */
export class Effects {
  private readonly stepRuns = new Map<string, StepRunWrite>();
  private readonly jobDrafts = new Map<string, JobDraft>();
  private readonly cancellations = new Map<string, string>();
  readonly settled: { executionId: string; workflowId: string; status: string }[] = [];
  /** Final step failures to record (the engine's `record-error` commands). */
  readonly errors: NewError[] = [];
  /** Lines for the executions' logs (the engine's `log` commands), written in the same transaction. */
  readonly logs: NewLog[] = [];
  /** Step signals to deliver when due (the engine's `schedule-signal` commands), written in the same transaction. */
  readonly signals: NewStepSignal[] = [];
  private readonly events = new EventCollector();
  /** Child executions to start or signal once the transaction committed. */
  private readonly childActions: ChildAction[] = [];

  /**
   * Takes in the commands of one decision; `done`, the worker's success that decision applied,
   * comes first in the event stream (then the steps it set off).
   */
  add(execution: ExecutionRef, workflow: CompiledWorkflow, commands: readonly EngineCommand[], done?: StepDone): void {
    if (done) this.events.completed(execution, done);
    for (const command of commands) {
      const at = new Date(command.at);
      const key = `${execution.id}\u0000${'key' in command ? command.key : ''}\u0000${'attempt' in command ? command.attempt : ''}`;
      switch (command.type) {
        case 'run-step':
          this.write(key, {
            id: randomUUID(),
            executionId: execution.id,
            stepId: command.stepId,
            instanceKey: command.key,
            stepType: command.stepType,
            attempt: command.attempt,
            status: 'queued',
            input: runInput(command.config, command.secretSlots),
            queuedAt: at,
          });
          this.jobDrafts.set(key, stepJobDraft(execution, command));
          break;
        case 'record-step':
          this.write(key, {
            id: randomUUID(),
            executionId: execution.id,
            stepId: command.stepId,
            instanceKey: command.key,
            stepType: command.stepType,
            attempt: command.attempt,
            status: command.status,
            ...('output' in command ? { output: command.output } : {}),
            error: command.error ?? null,
            queuedAt: at,
            // Control steps run on the coordinator: they start when recorded running (or settle at once).
            ...(command.status === 'skipped' ? {} : { startedAt: at }),
            ...(command.status === 'running' ? {} : { finishedAt: at }),
          });
          break;
        case 'cancel-step': {
          const stepType = stepOf(workflow, command.stepId).type;
          this.write(key, {
            id: randomUUID(),
            executionId: execution.id,
            stepId: command.stepId,
            instanceKey: command.key,
            stepType,
            attempt: command.attempt,
            status: 'cancelled',
            finishedAt: at,
          });
          // Queued and cancelled in the same transaction: the job never needs to exist.
          if (!this.jobDrafts.delete(key)) this.cancellations.set(key, stepType);
          break;
        }
        case 'record-error':
          this.errors.push({
            executionId: execution.id,
            namespace: execution.namespace,
            key: command.key,
            stepId: command.stepId,
            stepType: command.stepType,
            attempt: command.attempt,
            code: command.error.code,
            message: command.error.message,
            details: command.error.details,
            strategy: command.strategy,
            escalationHandler: command.escalationHandler,
            at,
          });
          break;
        case 'execution-settled':
          this.settled.push({ executionId: execution.id, workflowId: execution.workflowId, status: command.status });
          break;
        case 'log':
          // The run's id is not known here (its row may be an earlier transaction's): the step id says whose it is.
          this.logs.push({ executionId: execution.id, stepRunId: null, stepId: command.stepId, level: command.level, message: command.message, at });
          break;
        case 'start-child':
          // What the child is started with goes on the step's run (recorded running by the same
          // transition), so the child reconciler can start it when this coordinator dies first.
          this.write(key, {
            id: randomUUID(),
            executionId: execution.id,
            stepId: command.stepId,
            instanceKey: command.key,
            stepType: 'workflow',
            attempt: command.attempt,
            status: 'running',
            input: {
              workflowId: command.workflowId,
              ...(command.version !== undefined ? { version: command.version } : {}),
              variables: command.variables,
              depth: command.depth,
            },
            queuedAt: at,
            startedAt: at,
          });
          this.childActions.push({ parent: execution, command });
          break;
        case 'signal-child':
          this.childActions.push({ parent: execution, command });
          break;
        case 'schedule-signal':
          this.signals.push({
            executionId: execution.id,
            instanceKey: command.key,
            attempt: command.attempt,
            signal: command.signal,
            dueAt: new Date(command.dueAt),
          });
          break;
        case 'withdraw-step':
        case 'evaluate':
          // Withdrawals need the stored run ids (lifecycle.ts looks them up); evaluations are answered
          // by driveEngine before commands get here.
          break;
      }
      this.events.command(execution, command, command.type === 'run-step' || command.type === 'record-step' ? this.stepRuns.get(key)?.id : undefined);
    }
  }

  /** An execution's status went from `from` (null: created in this transaction) to `to`: its workflow events. */
  status(execution: ExecutionRef, from: ExecutionStatus | null, state: ExecutionState): void {
    this.events.status(execution, from, state.status, state.error);
    if ((state.depth ?? 0) > 0 && from !== state.status && SETTLED.has(state.status)) this.signals.push(childSettled(execution.id, state));
  }

  /** The stream's events of the transaction, to write with it. */
  eventRows(): NewEvent[] {
    return this.events.rows();
  }

  /** Several commands about one run in a transaction become one row: later fields win, the first id stays. */
  private write(key: string, row: StepRunWrite): void {
    const previous = this.stepRuns.get(key);
    if (!previous) {
      this.stepRuns.set(key, row);
      return;
    }
    const merged: StepRunWrite = { ...previous };
    for (const [field, value] of Object.entries(row)) if (value !== undefined && field !== 'id') (merged as unknown as Record<string, unknown>)[field] = value;
    this.stepRuns.set(key, merged);
  }

  /** The step-run rows to write in the transaction. */
  stepRunWrites(): StepRunWrite[] {
    return [...this.stepRuns.values()];
  }

  /**
   * Every row these effects write in the transaction: a writer takes them all, so that no kind is
   * left out (an execution failing at its start once lost its `errors` row that way).
   */
  writes(): Pick<TransitionWrites, 'stepRuns' | 'logs' | 'errors' | 'events' | 'signals'> {
    return { stepRuns: this.stepRunWrites(), logs: this.logs, errors: this.errors, events: this.eventRows(), signals: this.signals };
  }

  /**
   * The jobs to enqueue and the runs cancelled, for after commit, under the run ids PostgreSQL
   * returned for the written rows (an existing run keeps its id).
   */
  afterCommit(keys: readonly StepRunKey[]): { jobs: StepJob[]; cancelled: StepJobRef[]; children: ChildAction[]; signalsDueAt?: number } {
    const jobs: StepJob[] = [];
    const cancelled: StepJobRef[] = [];
    for (const row of keys) {
      const key = `${row.executionId}\u0000${row.instanceKey}\u0000${row.attempt}`;
      const draft = this.jobDrafts.get(key);
      if (draft) jobs.push({ ...draft, stepRunId: row.id });
      const stepType = this.cancellations.get(key);
      if (stepType) cancelled.push({ stepType, stepRunId: row.id });
    }
    return {
      jobs,
      cancelled,
      children: this.childActions,
      ...(this.signals.length > 0 ? { signalsDueAt: Math.min(...this.signals.map((s) => s.dueAt.getTime())) } : {}),
    };
  }
}
