import type { Redis } from 'ioredis';
import { StepCancellationMessageSchema, stepCancellationKeys, type StepCancellationKeys } from './step-cancellations.js';

/** Where a cancellation came from: the message itself, or a marker found after a re-subscription. */
export type CancellationSource = 'message' | 'marker';

export interface StepCancellationSubscriberOptions {
  /** A connection of its own: once subscribed it can run nothing else. It should reconnect forever. */
  subscription: Redis;
  /** Any other connection: reads the marker keys after a re-subscription. */
  commands: Redis;
  prefix?: string;
  /** The step runs this process is running now; checked against the markers after each (re)subscription. */
  running: () => readonly string[];
  /** Receives the cancelled ids of each message, and the running ids found cancelled after a re-subscription. */
  onCancel: (stepRunIds: string[], source: CancellationSource) => void;
  /** A malformed message, or markers that could not be read. */
  onError: (error: unknown) => void;
}

/**
 * A worker's side of the cancellation signal. Pub/sub delivers only to connected subscribers, so
 * every time the subscription connection is ready again (ioredis reconnects on its own) it
 * subscribes, waits for Redis to confirm, and only then reads the markers of the runs it is
 * running: a cancellation published while it was away is found by its marker, one published after
 * the confirmation arrives as a message. Nothing is read per job.
 *
 * @example
 * const subscriber = new StepCancellationSubscriber({ subscription, commands, prefix, running: () => steps.ids(), onCancel: (ids) => steps.cancel(ids), onError });
 * await subscriber.start();
 */
export class StepCancellationSubscriber {
  private readonly keys: StepCancellationKeys;
  private started = false;
  private closed = false;

  constructor(private readonly options: StepCancellationSubscriberOptions) {
    this.keys = stepCancellationKeys(options.prefix);
  }

  /** Subscribes; resolves once Redis confirmed the subscription. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.options.subscription.on('message', this.onMessage);
    this.options.subscription.on('ready', this.onReady);
    await this.subscribeAndCheck();
  }

  /** The ids among `stepRunIds` whose marker exists (one `MGET`). */
  async findCancelled(stepRunIds: readonly string[]): Promise<string[]> {
    if (stepRunIds.length === 0) return [];
    const values = await this.options.commands.mget(stepRunIds.map((id) => this.keys.marker(id)));
    return stepRunIds.filter((_, i) => values[i] !== null);
  }

  /** Stops listening; the caller closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.subscription.off('message', this.onMessage);
    this.options.subscription.off('ready', this.onReady);
    if (this.options.subscription.status === 'ready') await this.options.subscription.unsubscribe(this.keys.channel).catch(() => undefined);
  }

  private readonly onMessage = (channel: string, text: string): void => {
    if (channel !== this.keys.channel || this.closed) return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = StepCancellationMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.options.onError(new Error(`malformed step cancellation message on ${channel}: ${text.slice(0, 200)}`));
      return;
    }
    this.options.onCancel(parsed.data.stepRunIds, 'message');
  };

  /** ioredis emits `ready` on every reconnection, before it re-subscribes on its own. */
  private readonly onReady = (): void => {
    if (this.closed) return;
    void this.subscribeAndCheck().catch((error: unknown) => this.options.onError(error));
  };

  private async subscribeAndCheck(): Promise<void> {
    // Subscribing twice to a channel is harmless; what matters is that the check below starts only
    // after Redis confirmed the subscription, so no message can fall between the two.
    await this.options.subscription.subscribe(this.keys.channel);
    if (this.closed) return;
    const found = await this.findCancelled(this.options.running());
    if (found.length > 0 && !this.closed) this.options.onCancel(found, 'marker');
  }
}
