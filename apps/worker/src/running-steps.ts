/** A step run registered while its job runs: its signal, and `end()` to call when the job ends. */
export interface RunningStep {
  readonly signal: AbortSignal;
  /** Unregisters the step and removes the listener it put on the linked signal. Idempotent. */
  end(): void;
}

export interface RunningStepsOptions {
  /**
   * How long a cancellation is remembered for a step that is not running here yet: a message can
   * overtake the job it cancels (the job was fetched but not yet registered). Default 60 s.
   */
  rememberMs?: number;
  /** Clock, epoch ms; `Date.now` unless a test drives it. */
  now?: () => number;
}

/** The reason a cancelled step's signal carries. */
export class StepCancelledError extends Error {
  constructor(readonly stepRunId: string) {
    super(`step run ${stepRunId} was cancelled`);
    this.name = 'StepCancelledError';
  }
}

/**
 * The step runs this worker is running, by step run id (= BullMQ job id), each with an
 * AbortController of its own, so a cancellation can abort exactly the run it names. In memory only:
 * registering and unregistering cost no Redis call.
 *
 * @example
 * const step = running.begin(job.stepRunId);
 * try { await executor.execute(input, { signal: step.signal, log }); } finally { step.end(); }
 * // elsewhere, when a cancellation arrives:
 * running.cancel([stepRunId]);
 */
export class RunningSteps {
  private readonly running = new Map<string, AbortController>();
  /** Recently cancelled ids → when they are forgotten; insertion order is expiry order. */
  private readonly recent = new Map<string, number>();
  private readonly rememberMs: number;
  private readonly now: () => number;

  constructor(options: RunningStepsOptions = {}) {
    this.rememberMs = options.rememberMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Registers a step that starts now. Its signal is already aborted when a cancellation for it
   * arrived in the last `rememberMs`. `linked` (BullMQ's own per-job signal, when it gives one)
   * aborts it too; the listener goes when the step ends.
   */
  begin(stepRunId: string, linked?: AbortSignal): RunningStep {
    const controller = new AbortController();
    const forgetAt = this.recent.get(stepRunId);
    if (forgetAt !== undefined && forgetAt > this.now()) controller.abort(new StepCancelledError(stepRunId));
    const onLinkedAbort = (): void => controller.abort(linked?.reason);
    if (linked?.aborted) onLinkedAbort();
    else linked?.addEventListener('abort', onLinkedAbort, { once: true });
    this.running.set(stepRunId, controller);
    let ended = false;
    return {
      signal: controller.signal,
      end: () => {
        if (ended) return;
        ended = true;
        linked?.removeEventListener('abort', onLinkedAbort);
        // A later registration under the same id (the job handed back and taken again) is not ours to remove.
        if (this.running.get(stepRunId) === controller) this.running.delete(stepRunId);
      },
    };
  }

  /** Aborts the named steps running here and remembers every id for `rememberMs`. Returns the ids aborted now. */
  cancel(stepRunIds: readonly string[]): string[] {
    const now = this.now();
    this.forgetExpired(now);
    const aborted: string[] = [];
    for (const id of stepRunIds) {
      this.recent.delete(id);
      this.recent.set(id, now + this.rememberMs);
      const controller = this.running.get(id);
      if (controller && !controller.signal.aborted) {
        controller.abort(new StepCancelledError(id));
        aborted.push(id);
      }
    }
    return aborted;
  }

  /** The ids of the steps running now. */
  ids(): string[] {
    return [...this.running.keys()];
  }

  private forgetExpired(now: number): void {
    for (const [id, forgetAt] of this.recent) {
      if (forgetAt > now) break;
      this.recent.delete(id);
    }
  }
}
