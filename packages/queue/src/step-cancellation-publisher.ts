import type { Redis } from 'ioredis';
import { CANCELLED_MARKER_TTL_MS, stepCancellationKeys, type StepCancellationKeys, type StepCancellationMessage } from './step-cancellations.js';

export interface StepCancellationPublisherOptions {
  /** Any command connection (not one in subscriber mode). */
  connection: Redis;
  prefix?: string;
  /** Lifetime of each run's marker key; default {@link CANCELLED_MARKER_TTL_MS}. */
  markerTtlMs?: number;
}

/**
 * The coordinator's side of the cancellation signal. Removing a job cannot stop a worker that is
 * already running it, so after a transaction that cancelled runs has committed, their ids are
 * published to every worker; the worker running one aborts it.
 *
 * @example
 * const cancellations = new StepCancellationPublisher({ connection: producer, prefix: 'af' });
 * await cancellations.publish(['2f0c…', '9a1e…']);
 */
export class StepCancellationPublisher {
  private readonly keys: StepCancellationKeys;
  private readonly markerTtlMs: number;

  constructor(private readonly options: StepCancellationPublisherOptions) {
    this.keys = stepCancellationKeys(options.prefix);
    this.markerTtlMs = options.markerTtlMs ?? CANCELLED_MARKER_TTL_MS;
  }

  /**
   * One round trip (`MULTI`): a marker key per run, then one message with every id. The markers
   * are written first, in the same transaction, so a worker that missed the message (it was
   * reconnecting) and looks after re-subscribing finds them. Resolves with the number of
   * subscribers that received the message.
   */
  async publish(stepRunIds: readonly string[]): Promise<number> {
    if (stepRunIds.length === 0) return 0;
    const message: StepCancellationMessage = { v: 1, stepRunIds: [...stepRunIds] };
    const multi = this.options.connection.multi();
    for (const id of stepRunIds) multi.set(this.keys.marker(id), '1', 'PX', this.markerTtlMs);
    multi.publish(this.keys.channel, JSON.stringify(message));
    const replies = (await multi.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
    return Number(replies.at(-1)?.[1] ?? 0);
  }
}
