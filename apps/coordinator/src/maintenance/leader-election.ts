import type { Logger } from '@agentic-flow/telemetry';
import pg from 'pg';

/** Key of the session-level advisory lock the leader holds (migrations and admission use others). */
export const LEADER_LOCK_KEY = '7018401992827957859';

/**
 * One coordinator at a time is the leader: it holds a session-level advisory lock on a connection
 * of its own. If that connection dies (the coordinator crashed, PostgreSQL restarted) the lock is
 * released with it and another coordinator — or this one, reconnected — takes over at its next tick.
 */
export class LeaderElection {
  private client: pg.Client | undefined;
  private leader = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
    /** Told when this coordinator becomes or stops being the leader (to announce it at once, not at its next heartbeat). */
    private readonly onChange: (leading: boolean) => void = () => undefined,
  ) {}

  /** Whether this coordinator was the leader at its last tick. */
  get leading(): boolean {
    return this.leader;
  }

  /** Tries to be (or checks it still is) the leader. */
  async tick(): Promise<boolean> {
    try {
      if (!this.client) {
        const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'agentic-flow-leader', connectionTimeoutMillis: 5_000 });
        client.on('error', () => this.drop(client));
        client.on('end', () => this.drop(client));
        await client.connect();
        this.client = client;
      }
      if (this.leader) {
        await this.client.query('select 1');
      } else {
        const { rows } = await this.client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [LEADER_LOCK_KEY]);
        this.setLeader(rows[0]?.ok === true);
      }
    } catch (error) {
      if (this.leader) this.logger.warn({ err: error }, 'the leader connection failed');
      if (this.client) this.drop(this.client);
    }
    return this.leader;
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.setLeader(false);
    void client.end().catch(() => undefined);
  }

  private setLeader(leading: boolean): void {
    if (leading === this.leader) return;
    this.leader = leading;
    if (leading) this.logger.info('became the leader: reconciler, automatic snapshots and admission sweeps run here');
    else this.logger.warn('lost leadership');
    this.onChange(leading);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.leader = false;
    await client?.end().catch(() => undefined);
  }
}
