import type { ErrorView, ExecutionOverview, ExecutionView, StepRunSummary, StepRunView } from '@agentic-flow/spec';
import type { CallOptions } from './call-options.js';
import { AbortedError } from './errors.js';
import { ExecutionEscalatedError, WaitTimeoutError } from './execution-errors.js';
import { executionStateOf, type Escalation, type ExecutionState } from './execution-state.js';
import { isRetryable } from './retry-policy.js';
import type { StreamItem, EventStreamOptions } from './event-stream.js';

export interface WaitOptions<WithOutputs extends boolean = false> {
  /** Give up (with `WaitTimeoutError`, code `WAIT_TIMEOUT`) after this long; default 5 minutes. The execution goes on. */
  timeoutMs?: number;
  /** First poll interval; it grows to 1 s while nothing changes. Default 50 ms. */
  pollIntervalMs?: number;
  /**
   * Called once for each step run as it settles (succeeds, fails, is skipped or cancelled), in the
   * order they finished. It gets the run without its output unless `stepOutputs` is true.
   */
  onStep?: (step: WithOutputs extends true ? StepRunView : StepRunSummary) => void;
  /**
   * Give `onStep` each run with its output: one `getStepRun` per settled run. Off by default, so
   * waiting costs polls of the execution's small overview only, however much the steps return.
   */
  stepOutputs?: WithOutputs;
  /**
   * Called once for each step that escalates (fails under an `escalate` strategy) while the wait
   * goes on; the wait continues until someone resolves it (the callback may, with
   * `errorHandler.resolveError(escalation.errorId, …)`). Without it, an escalation ends the wait
   * with `ExecutionEscalatedError` at once: an escalated execution stays `running`, and waiting for
   * it in silence would only end at the timeout.
   */
  onEscalation?: (escalation: Escalation) => void | Promise<void>;
  /** Ends the wait with `AbortedError`. */
  signal?: AbortSignal;
  /** Retries of each read, over the client's. */
  retry?: CallOptions['retry'];
}

/** The reads a wait makes, as the client provides them. */
export interface ExecutionReads {
  overview(executionId: string, call: CallOptions): Promise<ExecutionOverview>;
  full(executionId: string, call: CallOptions): Promise<ExecutionView>;
  stepRun(executionId: string, stepRunId: string, call: CallOptions): Promise<StepRunView>;
  openErrors(executionId: string, call: CallOptions): Promise<ErrorView[]>;
  events(executionId: string, options: EventStreamOptions): AsyncGenerator<StreamItem, void, undefined>;
}

const SETTLED = new Set(['completed', 'failed', 'cancelled']);
const SETTLED_STEP = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);
/** With the event stream connected, a wait still reads the execution this often. */
const EVENT_SAFETY_POLL_MS = 5000;

/**
 * Resolves with the execution, outputs included, once it is completed, failed or cancelled. It
 * follows the execution's events and reads its overview (no outputs) when one arrives, then the
 * execution with outputs once; it polls the overview whenever the event stream is not connected (and
 * every 5 s besides, as a safety net). A read that fails for a reason that may pass (the coordinator
 * restarting, a 503) does not end the wait: it reads again until the deadline.
 */
export async function waitForExecution<WithOutputs extends boolean>(
  reads: ExecutionReads,
  executionId: string,
  options: WaitOptions<WithOutputs>,
): Promise<ExecutionView> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
  const expired = new AbortController();
  const timer = setTimeout(() => expired.abort(), timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, expired.signal]) : expired.signal;
  const call: CallOptions = { signal, ...(options.retry === undefined ? {} : { retry: options.retry }) };
  const reported = new Set<string>();
  const escalations = new EscalationReports(reads, executionId, options.onEscalation);
  let interval = options.pollIntervalMs ?? 50;
  let state: ExecutionState = 'pending';
  let lastError: unknown;
  const wake = new EventWake();
  const stream = new AbortController();
  const stopStream = (): void => stream.abort();
  signal.addEventListener('abort', stopStream, { once: true });
  void (async () => {
    try {
      for await (const _ of reads.events(executionId, { signal: stream.signal, onOpen: () => wake.open() })) wake.wake();
    } catch {
      // Refused (an older coordinator without the stream, a key without access): polling alone.
    } finally {
      wake.close();
    }
  })();
  const ended = (): Error | undefined => {
    if (options.signal?.aborted) return new AbortedError(`waiting for execution ${executionId}`, options.signal.reason);
    if (expired.signal.aborted || Date.now() >= deadline)
      return new WaitTimeoutError(executionId, state, timeoutMs, lastError === undefined ? {} : { cause: lastError });
    return undefined;
  };
  try {
    for (;;) {
      const execution = await readOverview();
      if (execution === undefined) {
        // The read failed for a reason that may pass (its own retries ran out): read again in a while.
        const end = ended();
        if (end) throw end;
        await wake.next(Math.min(1000, Math.max(0, deadline - Date.now())), signal);
        continue;
      }
      const settled = execution.steps
        .filter((step) => SETTLED_STEP.has(step.status) && !reported.has(step.id))
        .sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''));
      const toReport: StepRunSummary[] = options.stepOutputs ? await Promise.all(settled.map((step) => reads.stepRun(executionId, step.id, call))) : settled;
      for (const step of toReport) {
        reported.add(step.id);
        (options.onStep as ((step: StepRunSummary) => void) | undefined)?.(step);
      }
      state = executionStateOf(execution);
      if (SETTLED.has(execution.status)) return await reads.full(executionId, call);
      const escalated = state === 'escalated' && (await escalations.report(execution, call));
      const end = ended();
      if (end) throw end;
      // Something happened: look again soon. Nothing did: back off towards 1 s.
      interval = settled.length > 0 || escalated ? (options.pollIntervalMs ?? 50) : Math.min(interval * 1.5, 1000);
      // With the stream connected, an event (or a reconnection) is the signal to read again.
      await wake.next(Math.min(wake.connected ? Math.max(interval, EVENT_SAFETY_POLL_MS) : interval, Math.max(0, deadline - Date.now())), signal);
    }
  } catch (error) {
    // A read aborted by the deadline or the caller surfaces as what ended the wait.
    if (error instanceof AbortedError) throw ended() ?? error;
    throw error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stopStream);
    stream.abort();
  }

  /** The overview, or undefined when the read failed for a reason that may pass. */
  async function readOverview(): Promise<ExecutionOverview | undefined> {
    try {
      const execution = await reads.overview(executionId, call);
      lastError = undefined;
      return execution;
    } catch (error) {
      // The deadline or the caller's signal aborted the read: say which.
      const end = ended();
      if (end) throw end;
      if (!isRetryable(error, true)) throw error;
      lastError = error;
      return undefined;
    }
  }
}

/** Reports each escalation once, by (instance key, attempt): to `onEscalation`, or by ending the wait. */
class EscalationReports {
  private readonly reported = new Set<string>();

  constructor(
    private readonly reads: ExecutionReads,
    private readonly executionId: string,
    private readonly onEscalation: WaitOptions['onEscalation'],
  ) {}

  /** Whether any was reported now. Throws `ExecutionEscalatedError` when nobody listens. */
  async report(execution: ExecutionOverview, call: CallOptions): Promise<boolean> {
    const fresh = execution.escalations.filter((e) => !this.reported.has(keyOf(e)));
    if (fresh.length === 0) return false;
    // The overview knows the escalated nodes; their open errors carry the ids a decision needs.
    let open: ErrorView[];
    try {
      open = await this.reads.openErrors(this.executionId, call);
    } catch (error) {
      // A read that may pass next time: the escalation is still there then.
      if (isRetryable(error, true)) return false;
      throw error;
    }
    const found = fresh.flatMap((e) => {
      const error = open.find((o) => o.instanceKey === e.instanceKey && o.attempt === e.attempt);
      return error ? [escalationOf(error)] : [];
    });
    if (found.length === 0) return false;
    if (!this.onEscalation) throw new ExecutionEscalatedError(this.executionId, found);
    for (const escalation of found) {
      this.reported.add(keyOf(escalation));
      await this.onEscalation(escalation);
    }
    return true;
  }
}

const keyOf = (e: { instanceKey: string; attempt: number }): string => `${e.instanceKey}#${e.attempt}`;

function escalationOf(error: ErrorView): Escalation {
  return {
    errorId: error.id,
    executionId: error.executionId,
    stepId: error.stepId,
    instanceKey: error.instanceKey,
    attempt: error.attempt,
    error: { code: error.code, message: error.message },
    escalationHandler: error.escalationHandler,
    createdAt: error.createdAt,
  };
}

/** Wake-ups for a wait: an event arrived, or the stream (re)connected (events before it may be missed: read again). */
class EventWake {
  connected = false;
  private pending = false;
  private resolve: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.resolve?.();
  }

  open(): void {
    this.connected = true;
    this.wake();
  }

  close(): void {
    this.connected = false;
    this.wake();
  }

  /** Resolves at the next wake-up (at once if one came since the last call), after `ms`, or when `signal` aborts. */
  async next(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const aborted = (): void => this.resolve?.();
    try {
      await new Promise<void>((resolve) => {
        this.resolve = resolve;
        timer = setTimeout(resolve, ms);
        if (signal.aborted) resolve();
        signal.addEventListener('abort', aborted, { once: true });
      });
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', aborted);
      this.resolve = undefined;
      this.pending = false;
    }
  }
}
