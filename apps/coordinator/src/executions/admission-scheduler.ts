import type { Logger } from '@agentic-flow/telemetry';

/**
 * Runs admission when asked, one run at a time; asks made while one runs are folded into a single
 * next run. Executions settle in bursts, and each burst needs one admission pass, not one per
 * execution.
 */
export class AdmissionScheduler {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly admit: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  /** Schedules a pass without waiting for it. */
  request(): void {
    void this.run();
  }

  /** Runs a pass (or joins the one running, plus one more) and resolves when done. */
  async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.admit();
        } catch (error) {
          this.logger.error({ err: error }, 'admitting pending executions failed; the leader retries periodically');
        }
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
