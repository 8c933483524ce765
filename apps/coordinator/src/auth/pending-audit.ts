import type { AuditEntry } from '@agentic-flow/store';

/**
 * The audit entry of one mutating call, until it is written. The code that makes the change takes
 * it into its own transaction (`take`, then `confirm` after the commit), so the change and its
 * record commit together; whatever was not confirmed when the answer is sent — a refused call, or a
 * change made in Redis, where no PostgreSQL transaction exists — is written then, on its own.
 */
export class PendingAudit {
  private confirmed = false;

  constructor(private readonly base: Omit<AuditEntry, 'at' | 'outcome' | 'status'>) {}

  /** The entry as a successful call answering `status`, stamped now. */
  take(status = 200): AuditEntry {
    return { ...this.base, at: new Date().toISOString(), outcome: 'ok', status };
  }

  /** The entry `take` gave is committed. */
  confirm(): void {
    this.confirmed = true;
  }

  /** The entry to write when the answer went out, or undefined when a transaction already did. */
  remaining(status: number): AuditEntry | undefined {
    if (this.confirmed) return undefined;
    return { ...this.base, at: new Date().toISOString(), outcome: status < 400 ? 'ok' : 'failed', status };
  }
}
