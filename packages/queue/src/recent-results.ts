import type { ReportedRun } from './reported-results.js';

export interface RecentResult {
  json: string;
  run: ReportedRun;
  reportedAt: number;
}

/**
 * The results a worker reported lately, as the JSON it sent: what it sends again when Redis lost
 * its data (see `redis-loss.ts`), so a result that was on the stream, not yet applied, is not
 * erased with it — its step would otherwise run again. Bounded by age and by bytes; applying a
 * result twice is harmless (application is exactly once), so sending again is always safe.
 */
export class RecentResults {
  private readonly entries: RecentResult[] = [];
  private bytes = 0;

  constructor(private readonly limits: { windowMs: number; maxBytes: number }) {}

  add(json: string, run: ReportedRun, now: number): void {
    this.entries.push({ json, run, reportedAt: now });
    this.bytes += json.length;
    this.prune(now);
  }

  /** The results reported within the window, oldest first. */
  list(now: number): RecentResult[] {
    this.prune(now);
    return [...this.entries];
  }

  private prune(now: number): void {
    let drop = 0;
    for (; drop < this.entries.length; drop++) {
      const oldest = this.entries[drop]!;
      if (now - oldest.reportedAt <= this.limits.windowMs && this.bytes <= this.limits.maxBytes) break;
      this.bytes -= oldest.json.length;
    }
    if (drop > 0) this.entries.splice(0, drop);
  }
}
