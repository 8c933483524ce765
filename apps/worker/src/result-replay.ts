import { randomUUID } from 'node:crypto';
import { RecentResults, RedisLossDetector, type ReportedRun } from '@agentic-flow/queue';
import type { Logger } from '@agentic-flow/telemetry';
import type { Redis } from 'ioredis';

/** Often enough that a result erased by a flush is sent again before a reconciler gives up on it. */
const LOOK_INTERVAL_MS = 2_000;
/** Results older than this were applied long ago, unless PostgreSQL has been down as long. */
const REPLAY_WINDOW_MS = 5 * 60_000;
const REPLAY_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Sends the results this worker reported lately again when Redis lost its data. A FLUSHALL erases
 * the results stream with the results on it that no coordinator had applied yet, and their
 * reported-result markers; the reconciler would then run those steps again. Sent again, they are
 * applied (or, already applied, ignored) and the steps run once.
 */
export class ResultReplay {
  private readonly recent = new RecentResults({ windowMs: REPLAY_WINDOW_MS, maxBytes: REPLAY_MAX_BYTES });
  private readonly detector: RedisLossDetector;
  private readonly timer: NodeJS.Timeout;
  private looking = false;

  constructor(private readonly options: { connection: Redis; prefix: string; report: (json: string, run: ReportedRun) => Promise<void>; logger: Logger }) {
    this.detector = new RedisLossDetector(options.connection, options.prefix, randomUUID());
    this.timer = setInterval(() => void this.look(), LOOK_INTERVAL_MS);
    this.timer.unref();
    void this.look();
  }

  /** Remembers a result once it was reported. */
  record(json: string, run: ReportedRun): void {
    this.recent.add(json, run, Date.now());
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async look(): Promise<void> {
    if (this.looking) return;
    this.looking = true;
    try {
      if (!(await this.detector.lostSinceLastLook())) return;
      const again = this.recent.list(Date.now());
      this.options.logger.warn({ results: again.length }, 'Redis lost its data: sending the results reported lately again');
      for (const { json, run } of again) await this.options.report(json, run);
    } catch (error) {
      this.options.logger.debug({ err: error }, 'could not check Redis for data loss; next interval');
    } finally {
      this.looking = false;
    }
  }
}
