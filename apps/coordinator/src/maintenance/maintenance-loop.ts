import { pruneEvents, takeDueSnapshots } from '@agentic-flow/store';
import type { Logger } from '@agentic-flow/telemetry';
import type { CoordinatorServices } from '../executions/coordinator-services.js';
import type { LeaderElection } from './leader-election.js';
import { LOST_CONFIRM_MS } from '@agentic-flow/queue';
import { LostRunConfirmation } from './lost-run-confirmation.js';
import { reconcile } from './reconciler.js';

export interface MaintenanceOptions {
  intervalMs: number;
  reconcileGraceMs: number;
  poisonThreshold: number;
  /** Events older than this are pruned (`EVENT_RETENTION_MS`); undefined: never. */
  eventRetentionMs?: number;
  /** More tasks for the leader, run after the built-in ones (the monitor's: fold metric deltas, dispatch alert deliveries). */
  tasks?: readonly [string, () => Promise<unknown>][];
}

/**
 * Every `intervalMs`, on the leader only: reconcile in-flight runs with Redis, take due automatic
 * snapshots, admit pending executions (the safety net behind the admission each settling
 * transition asks for), and prune events past their retention.
 */
export class MaintenanceLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly lost = new LostRunConfirmation(LOST_CONFIRM_MS);
  private lastPrune = 0;

  constructor(
    private readonly deps: CoordinatorServices,
    private readonly election: LeaderElection,
    private readonly options: MaintenanceOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.schedule();
  }

  /** One pass, if this coordinator is (or becomes) the leader. */
  async runOnce(): Promise<void> {
    if (!(await this.election.tick())) {
      this.lost.forget();
      return;
    }
    const tasks: [string, () => Promise<unknown>][] = [
      [
        'reconcile',
        () => reconcile(this.deps, { graceMs: this.options.reconcileGraceMs, limit: 1000, poisonThreshold: this.options.poisonThreshold, lost: this.lost }),
      ],
      ['automatic snapshots', () => takeDueSnapshots(this.deps.db)],
      ['admission', () => this.deps.admitNow()],
      ['event retention', () => this.pruneEvents()],
      ...(this.options.tasks ?? []),
    ];
    for (const [name, task] of tasks) {
      if (this.stopped) return;
      try {
        await task();
      } catch (error) {
        this.logger.warn({ err: error, task: name }, 'maintenance task failed; it runs again next interval');
      }
    }
  }

  /**
   * Deletes events past the retention, at most every minute (or every half retention when shorter):
   * nothing is old enough in between.
   */
  private async pruneEvents(): Promise<void> {
    const retention = this.options.eventRetentionMs;
    if (retention === undefined) return;
    const now = this.deps.now();
    if (now - this.lastPrune < Math.min(60_000, retention / 2)) return;
    this.lastPrune = now;
    const deleted = await pruneEvents(this.deps.pool, new Date(now - retention));
    if (deleted > 0) this.logger.debug({ deleted }, 'events past the retention pruned');
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.election.close();
  }
}
