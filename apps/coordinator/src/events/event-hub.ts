import { assignEventPositions, eventStreamTip, EVENTS_CHANNEL, readEvents } from '@agentic-flow/store';
import type { Logger } from '@agentic-flow/telemetry';
import pg from 'pg';
import { EventSubscriber, type EventSelection } from './event-subscriber.js';
import { eventView } from './event-view.js';

export interface EventHubOptions {
  pool: pg.Pool;
  databaseUrl: string;
  logger: Logger;
  /** While streams are open: how often positions are handed out and read again without a notification. */
  pollMs: number;
  /** Events queued for one slow stream before it is ended (its client reconnects and catches up). */
  maxQueue?: number;
}

const ASSIGN_LIMIT = 10_000;
const READ_LIMIT = 2_000;

/**
 * This coordinator's side of the event stream. Events commit without a position; while a stream
 * is open here the hub hands positions out (`assignEventPositions`: one assigner at a time across
 * coordinators, each notifying `af_events`) after each local transition that wrote events and
 * every `pollMs`, and LISTENs on `af_events`, so it learns of other coordinators' events as soon as
 * anyone positioned them — within `pollMs` at worst. One shared reader reads each new position
 * range once, for every namespace, and hands each level stream what it selects, so a thousand
 * open streams cost one query per wake-up, not a thousand. With no stream open the hub does
 * nothing: the step path pays only for the events' insert.
 */
export class EventHub {
  private readonly subscribers = new Set<EventSubscriber>();
  /** The position through which the shared reader has read; undefined until a stream opened. */
  private live: number | undefined;
  private refreshing: Promise<void> | undefined;
  private again: { assign: boolean } | undefined;
  private listener: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private poll: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly maxQueue: number;

  constructor(private readonly options: EventHubOptions) {
    this.maxQueue = options.maxQueue ?? 10_000;
  }

  /** The position through which the shared reader has read (streams behind it catch up by themselves). */
  get readThrough(): number {
    return this.live ?? 0;
  }

  /**
   * Opens a stream at `received` (the position after which it wants events); `end` ends it when
   * the coordinator stops. Call `close` on the subscriber's stream end (`release`).
   */
  async subscribe(selection: EventSelection, received: number, end: () => void): Promise<{ subscriber: EventSubscriber; release: () => void }> {
    const subscriber = new EventSubscriber(selection, received, end);
    if (this.closed) {
      end();
      return { subscriber, release: () => undefined };
    }
    this.subscribers.add(subscriber);
    if (this.subscribers.size === 1) {
      this.poll = setInterval(() => {
        if (!this.listener && !this.connecting) void this.listen();
        this.refresh(true);
      }, this.options.pollMs);
      this.poll.unref();
      void this.listen();
    }
    if (this.live === undefined) {
      await this.assignAll();
      this.live ??= Number((await eventStreamTip(this.options.pool)).last);
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) this.idle();
    };
    return { subscriber, release };
  }

  /** Hands positions out to everything committed so far (a stream about to read its backlog calls this first). */
  async assignAll(): Promise<void> {
    while ((await assignEventPositions(this.options.pool, ASSIGN_LIMIT)) === ASSIGN_LIMIT);
  }

  /** A local transition committed events: position them and read. No-op without a stream. */
  written(): void {
    this.refresh(true);
  }

  private refresh(assign: boolean): void {
    if (this.subscribers.size === 0 || this.closed) return;
    if (this.refreshing) {
      this.again = { assign: assign || (this.again?.assign ?? false) };
      return;
    }
    this.refreshing = this.run(assign).finally(() => {
      this.refreshing = undefined;
      const again = this.again;
      this.again = undefined;
      if (again) this.refresh(again.assign);
    });
  }

  private async run(assign: boolean): Promise<void> {
    try {
      if (assign) await this.assignAll();
      while (this.live !== undefined && this.subscribers.size > 0) {
        const from = this.live;
        const rows = await readEvents(this.options.pool, { after: String(from), limit: READ_LIMIT });
        if (rows.length === 0) break;
        const events = rows.map(eventView);
        const to = Number(rows.at(-1)!.position);
        this.live = to;
        for (const subscriber of this.subscribers) subscriber.offer(events, from, to, this.maxQueue);
        if (rows.length < READ_LIMIT) break;
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'reading events failed; streams retry at the next poll');
    }
    // Streams still behind (catching up) look again too.
    for (const subscriber of this.subscribers) subscriber.wake();
  }

  private idle(): void {
    clearInterval(this.poll);
    this.poll = undefined;
    this.live = undefined;
    const listener = this.listener;
    this.listener = undefined;
    void listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.listener || this.connecting || this.closed) return;
    const client = new pg.Client({ connectionString: this.options.databaseUrl, application_name: 'agentic-flow-coordinator-events' });
    client.on('notification', () => this.refresh(false));
    client.on('error', (error) => {
      this.options.logger.warn({ err: error }, 'event notification connection failed; streams poll until it is back');
      if (this.listener === client) this.listener = undefined;
      void client.end().catch(() => undefined);
    });
    this.connecting = (async () => {
      try {
        await client.connect();
        await client.query(`listen ${EVENTS_CHANNEL}`);
        if (this.subscribers.size === 0 || this.closed) {
          await client.end();
          return;
        }
        this.listener = client;
      } catch (error) {
        this.options.logger.warn({ err: error }, 'could not listen for event notifications; streams poll meanwhile');
        await client.end().catch(() => undefined);
      } finally {
        this.connecting = undefined;
      }
    })();
    await this.connecting;
  }

  /** Ends every open stream (so the HTTP server can close) and stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    for (const subscriber of [...this.subscribers]) subscriber.end();
    this.subscribers.clear();
    clearInterval(this.poll);
    await this.refreshing;
    await this.connecting;
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }
}
