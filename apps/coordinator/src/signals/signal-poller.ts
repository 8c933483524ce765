import { dueSignalExecutions, pendingSignalCount, postponeStepSignals } from '@agentic-flow/store';
import { Counter, Gauge, type Registry } from '@agentic-flow/telemetry';
import type { CoordinatorServices } from '../executions/coordinator-services.js';
import { deliverSignals } from './signal-delivery.js';

export interface SignalPollerOptions {
  /** `SIGNAL_POLL_MS`: how often to look for due signals. */
  intervalMs: number;
  /** Executions with due signals taken per query; a full page is followed at once by the next. */
  batchSize?: number;
  /** Where `agentic_flow_step_signals_*` are registered; none in tests that need no metrics. */
  registry?: Registry;
}

/** The longest a signal whose delivery keeps failing waits before it is tried again. */
const MAX_RETRY_DELAY_MS = 5 * 60_000;

/**
 * Delivers due step signals (a wait's timer): every coordinator runs one. Each pass lists the
 * executions with signals due and applies each one's in a transaction of its own
 * (`deliverSignals`); coordinators polling together skip each other's claims (`SKIP LOCKED`), so
 * they share the work and never apply a signal twice. PostgreSQL holds the signals, so a coordinator
 * that dies loses none: the next pass of any coordinator finds them.
 *
 * Latency is at most the poll interval; a transition that writes a signal due sooner than the next
 * pass asks for a pass at its due time (`wake`, in process, best effort). A delivery that fails is
 * tried again one signal at a time; a signal that keeps failing on its own (PostgreSQL refusing its
 * transaction, an execution the engine cannot take) is postponed with a growing delay (up to
 * {@link MAX_RETRY_DELAY_MS}) and logged, so it never stalls the rest. It is never dropped: a wait's
 * timer is the only thing that would ever wake it, so a failure that passes (a database that comes
 * back, a fixed release) still wakes it.
 */
export class SignalPoller {
  private timer: NodeJS.Timeout | undefined;
  /** When the scheduled pass runs (epoch ms); Infinity while none is scheduled. */
  private nextAt = Number.POSITIVE_INFINITY;
  private running: Promise<void> | undefined;
  /** A pass was asked for while one was running: the earliest time asked. */
  private wanted: number | undefined;
  private stopped = false;
  private readonly failures = new Map<string, number>();
  private readonly delivered: Counter<'outcome'> | undefined;

  constructor(
    private readonly deps: CoordinatorServices,
    private readonly options: SignalPollerOptions,
  ) {
    if (options.registry) {
      const registers = [options.registry];
      this.delivered = new Counter({
        name: 'agentic_flow_step_signals_delivered_total',
        help: 'Step signals (wait timers, settled children) this coordinator handled, by outcome: applied, ignored (stale), malformed (deleted unapplied) or postponed (its delivery failed: tried again later).',
        labelNames: ['outcome'],
        registers,
      });
      new Gauge({
        name: 'agentic_flow_step_signals_pending',
        help: 'Step signals waiting in PostgreSQL (due or not): waits in progress. Cluster-wide, read at scrape time.',
        registers,
        async collect() {
          this.set(await pendingSignalCount(deps.pool));
        },
      });
    }
  }

  start(): void {
    this.scheduleAt(this.deps.now());
  }

  /** A transaction committed a signal due at `dueAt`: run a pass then, if that is before the next one. */
  wake(dueAt: number): void {
    if (this.stopped) return;
    if (this.running) {
      this.wanted = Math.min(this.wanted ?? Number.POSITIVE_INFINITY, dueAt);
      return;
    }
    this.scheduleAt(dueAt);
  }

  /** One pass: every execution with signals due now, until none is left. */
  async runOnce(): Promise<void> {
    const batch = this.options.batchSize ?? 100;
    for (;;) {
      if (this.stopped) return;
      const due = await dueSignalExecutions(this.deps.pool, batch);
      for (const { executionId } of due) {
        if (this.stopped) return;
        await this.deliver(executionId);
      }
      if (due.length < batch) return;
    }
  }

  /**
   * Applies `executionId`'s due signals (`only` these rows, when given). A transaction that fails
   * with several signals is tried again one signal per transaction, so one that cannot be applied
   * holds back no other; a single one failing counts towards its poison limit.
   */
  private async deliver(executionId: string, only?: readonly string[]): Promise<void> {
    const claimed: string[] = [];
    try {
      const outcome = await deliverSignals(this.deps, executionId, claimed, only);
      for (const id of claimed) this.failures.delete(id);
      if (outcome.applied > 0) this.delivered?.inc({ outcome: 'applied' }, outcome.applied);
      if (outcome.ignored > 0) this.delivered?.inc({ outcome: 'ignored' }, outcome.ignored);
      if (outcome.malformed > 0) this.delivered?.inc({ outcome: 'malformed' }, outcome.malformed);
    } catch (error) {
      this.deps.logger.warn({ err: error, executionId, signalIds: claimed }, 'could not apply step signals; trying them one by one, or next pass');
      if (claimed.length > 1) {
        for (const id of claimed) if (!this.stopped) await this.deliver(executionId, [id]);
        return;
      }
      const [id] = claimed;
      if (id === undefined) return;
      const failures = (this.failures.get(id) ?? 0) + 1;
      this.failures.set(id, failures);
      const delayMs = Math.min(MAX_RETRY_DELAY_MS, this.options.intervalMs * 2 ** failures);
      this.deps.logger.error({ err: error, executionId, signalId: id, failures, delayMs }, 'step signal could not be applied: postponed, tried again later');
      await postponeStepSignals(this.deps.pool, [id], delayMs).catch((err: unknown) => this.deps.logger.warn({ err }, 'could not postpone a step signal'));
      this.delivered?.inc({ outcome: 'postponed' });
    }
  }

  private scheduleAt(at: number): void {
    if (this.stopped || at >= this.nextAt) return;
    clearTimeout(this.timer);
    this.nextAt = at;
    this.timer = setTimeout(() => this.pass(), Math.max(0, at - this.deps.now()));
    this.timer.unref();
  }

  private pass(): void {
    this.nextAt = Number.POSITIVE_INFINITY;
    this.timer = undefined;
    this.running = this.runOnce()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'step signal poll failed; it runs again next interval'))
      .finally(() => {
        this.running = undefined;
        const next = this.deps.now() + this.options.intervalMs;
        const wanted = this.wanted;
        this.wanted = undefined;
        this.scheduleAt(wanted === undefined ? next : Math.min(wanted, next));
      });
  }

  /** Stops polling; resolves once a pass under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
