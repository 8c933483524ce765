import { markWorking, WORKING_REFRESH_MS } from '@agentic-flow/queue';
import type { Logger } from '@agentic-flow/telemetry';
import type { Redis } from 'ioredis';
import type { RunningSteps } from './running-steps.js';

/**
 * Keeps a working marker (see `@agentic-flow/queue` working-runs) on every step this worker runs,
 * so a reconciler never takes a run for lost while this worker still runs it — even after Redis
 * lost the job. One pipeline per interval for all runs; none at all while idle.
 */
export class WorkingMarkers {
  private readonly timer: NodeJS.Timeout;
  private refreshing = false;

  constructor(options: { connection: Redis; prefix: string; workerId: string; running: RunningSteps; logger: Logger }) {
    const { connection, prefix, workerId, running, logger } = options;
    this.timer = setInterval(() => {
      // A refresh still waiting on Redis (reconnecting) is not stacked with another.
      if (this.refreshing) return;
      this.refreshing = true;
      markWorking(connection, prefix, running.ids(), workerId)
        .catch((error: unknown) => logger.debug({ err: error }, 'working markers not refreshed; next interval'))
        .finally(() => {
          this.refreshing = false;
        });
    }, WORKING_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
