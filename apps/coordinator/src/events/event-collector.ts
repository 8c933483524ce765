import type { EngineCommand } from '@agentic-flow/engine';
import type { ExecutionError, ExecutionStatus } from '@agentic-flow/spec';
import type { EventType, NewEvent } from '@agentic-flow/store';

/** The execution an event is about. */
export interface EventSubject {
  id: string;
  namespace: string;
  workflowId: string;
}

/** A worker's success the engine applied: `step:completed`. */
export interface StepDone {
  key: string;
  stepId: string;
  stepType: string;
  attempt: number;
  stepRunId: string;
}

const STARTED_FROM: ReadonlySet<ExecutionStatus | null> = new Set([null, 'pending']);

/**
 * The workflow events of a status change, in order: `from` null is an execution created by the
 * transaction. Leaving `pending` (created or admitted) to run — or to settle at once — is
 * `workflow:started`; back to `running` from `paused`, `failed` (resume) or a settled status (restore)
 * is `workflow:resumed`; reaching `paused`, `completed`, `failed` or `cancelled` is its own event.
 * A pending execution cancelled never started: only `workflow:cancelled`.
 *
 * @example
 * statusEvents('running', 'completed'); // ['workflow:completed']
 * statusEvents(null, 'running'); // ['workflow:started']
 */
export function statusEvents(from: ExecutionStatus | null, to: ExecutionStatus): EventType[] {
  if (from === to || to === 'pending') return [];
  const started = STARTED_FROM.has(from) && to !== 'cancelled';
  switch (to) {
    case 'running':
      return [started ? 'workflow:started' : 'workflow:resumed'];
    case 'paused':
    case 'completed':
    case 'failed':
    case 'cancelled':
      return started ? ['workflow:started', `workflow:${to}`] : [`workflow:${to}`];
  }
}

/** The step event an engine command is, if any. */
export function commandEvent(command: EngineCommand): { type: EventType; data: Record<string, unknown> } | undefined {
  switch (command.type) {
    case 'run-step':
      // A new attempt of a step that ran before (resume of a failed execution, a retried dead letter, a restore).
      return {
        type: command.attempt > 1 ? 'step:retrying' : 'step:started',
        data: { key: command.key, stepId: command.stepId, stepType: command.stepType, attempt: command.attempt },
      };
    case 'record-step':
      if (command.status === 'running')
        return { type: 'step:started', data: { key: command.key, stepId: command.stepId, stepType: command.stepType, attempt: command.attempt } };
      if (command.status === 'succeeded')
        return { type: 'step:completed', data: { key: command.key, stepId: command.stepId, stepType: command.stepType, attempt: command.attempt } };
      return undefined;
    case 'record-error':
      return {
        type: 'step:failed',
        data: {
          key: command.key,
          stepId: command.stepId,
          stepType: command.stepType,
          attempt: command.attempt,
          error: { code: command.error.code, message: command.error.message },
          strategy: command.strategy,
        },
      };
    default:
      return undefined;
  }
}

interface Bucket {
  subject: EventSubject;
  /** `workflow:started` / `resumed`: before the steps it set off. */
  head: NewEvent[];
  steps: NewEvent[];
  /** Settled or paused: after the steps that led there. */
  tail: NewEvent[];
}

/**
 * The stream's events of one transaction, per execution in the order they happened: the
 * execution (re)starting, its steps, then the status it reached. Written with the transaction's
 * other rows (`TransitionWrites.events`).
 */
export class EventCollector {
  private readonly buckets = new Map<string, Bucket>();

  private bucket(subject: EventSubject): Bucket {
    let bucket = this.buckets.get(subject.id);
    if (!bucket) {
      bucket = { subject, head: [], steps: [], tail: [] };
      this.buckets.set(subject.id, bucket);
    }
    return bucket;
  }

  private event(subject: EventSubject, type: EventType, data: Record<string, unknown>): NewEvent {
    return { namespace: subject.namespace, type, executionId: subject.id, workflowId: subject.workflowId, data };
  }

  /** An execution's status went from `from` (null: created now) to `to`. */
  status(subject: EventSubject, from: ExecutionStatus | null, to: ExecutionStatus, error: ExecutionError | null): void {
    const bucket = this.bucket(subject);
    for (const type of statusEvents(from, to)) {
      const settledOrPaused = type !== 'workflow:started' && type !== 'workflow:resumed';
      const data = { status: to, ...(type === 'workflow:failed' && error ? { error: { code: error.code, message: error.message } } : {}) };
      (settledOrPaused ? bucket.tail : bucket.head).push(this.event(subject, type, data));
    }
  }

  /** The step event of an engine command, if it is one; `stepRunId` names its run when known. */
  command(subject: EventSubject, command: EngineCommand, stepRunId?: string): void {
    const event = commandEvent(command);
    if (event) this.bucket(subject).steps.push(this.event(subject, event.type, stepRunId === undefined ? event.data : { ...event.data, stepRunId }));
  }

  /** A worker's success the engine applied. */
  completed(subject: EventSubject, done: StepDone): void {
    this.bucket(subject).steps.push(
      this.event(subject, 'step:completed', { key: done.key, stepId: done.stepId, stepType: done.stepType, attempt: done.attempt, stepRunId: done.stepRunId }),
    );
  }

  /** Every event, execution by execution, each in order. */
  rows(): NewEvent[] {
    const rows: NewEvent[] = [];
    for (const bucket of this.buckets.values()) rows.push(...bucket.head, ...bucket.steps, ...bucket.tail);
    return rows;
  }
}
