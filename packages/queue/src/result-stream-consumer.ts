import type { Redis } from 'ioredis';
import { resultStreamKeys, type ResultStreamKeys, type StreamEntry } from './result-stream.js';
import { markerOfResult } from './reported-results.js';

export interface ResultStreamConsumerOptions {
  /** A connection of its own: it spends its time in `XREADGROUP … BLOCK`. */
  blocking: Redis;
  /** For acknowledgements, claims and dead letters. */
  commands: Redis;
  prefix?: string;
  /** Unique per coordinator process: what the group tracks pending entries by. */
  consumer: string;
  batchSize: number;
  blockMs?: number;
  /**
   * An entry another consumer has held unacknowledged this long is taken over (its owner died).
   * Required: the coordinator's RESULT_CLAIM_IDLE_MS is the one default, so docs cannot quote another.
   */
  claimIdleMs: number;
  /** Handles a batch; returns the ids that are done (acknowledged and deleted). Others are retried. */
  handle: (entries: StreamEntry[]) => Promise<string[]>;
  onError: (error: unknown) => void;
  /**
   * An entry taken over from consumers that died holding it this many times is not handed to
   * `handle` again: applying it is what kills them. Default 3.
   */
  poisonThreshold?: number;
  /** Quarantines such entries (dead-letter them, fail what they belong to); they are then done. */
  onPoison?: (entries: StreamEntry[], crashes: number) => Promise<void>;
}

type RawEntry = [id: string, fields: string[]];

/**
 * A coordinator's side of `step-results`: reads batches in the `coordinators` consumer group, hands
 * them over, and acknowledges what was applied. Delivery is at least once: entries of a batch that
 * failed stay pending and are read again; entries of a consumer that died are claimed by another
 * after `claimIdleMs`. Whatever arrived while a batch was being applied forms the next batch.
 */
export class ResultStreamConsumer {
  private readonly keys: ResultStreamKeys;
  private running: Promise<void> | undefined;
  private closing = false;
  private retryOwn = true;
  private nextClaim = 0;
  /** Entries this consumer took over, whose takeover count is cleared once they are done. */
  private readonly claimed = new Set<string>();

  constructor(private readonly options: ResultStreamConsumerOptions) {
    this.keys = resultStreamKeys(options.prefix);
  }

  async start(): Promise<void> {
    await this.ensureGroup();
    this.running = this.loop();
  }

  /** Moves an entry to the dead-letter stream with the reason; the caller then reports it done. */
  async deadLetter(entry: StreamEntry, reason: string): Promise<void> {
    await this.options.commands.xadd(this.keys.dead, '*', 'id', entry.id, 'reason', reason, 'r', JSON.stringify(entry.data ?? null));
  }

  /** Stops reading, lets the batch in progress finish and be acknowledged. */
  async close(): Promise<void> {
    this.closing = true;
    // Breaks a pending blocking read; the loop sees `closing` and ends.
    this.options.blocking.disconnect();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.closing) {
      try {
        const entries = await this.quarantine(await this.next());
        if (entries.length === 0) continue;
        const done = await this.options.handle(entries);
        if (done.length > 0) await this.acknowledge(done, entries);
        // Anything not done stays pending on this consumer and is read again first.
        this.retryOwn = done.length < entries.length;
        if (this.retryOwn) await sleep(200);
      } catch (error) {
        if (this.closing) break;
        // Redis lost the stream (a flush): NOGROUP on the next read, or UNBLOCKED for a read that
        // was waiting when the key went. Both are recovered by making the group again, not errors.
        if (/NOGROUP|UNBLOCKED/.test(String((error as Error).message))) await this.ensureGroup().catch(() => undefined);
        else this.options.onError(error);
        this.retryOwn = true;
        await sleep(500);
      }
    }
  }

  private async acknowledge(done: string[], entries: readonly StreamEntry[]): Promise<void> {
    const multi = this.options.commands
      .multi()
      .xack(this.keys.stream, this.keys.group, ...done)
      .xdel(this.keys.stream, ...done);
    // Applied (or dead-lettered): the reconciler no longer needs to know the result is on its way.
    const finished = new Set(done);
    const markers = entries.flatMap((entry) =>
      finished.has(entry.id) ? [markerOfResult(this.options.prefix, entry.data)].filter((key) => key !== undefined) : [],
    );
    if (markers.length > 0) multi.del(...markers);
    const cleared = done.filter((id) => this.claimed.delete(id));
    if (cleared.length > 0) multi.hdel(this.keys.takeovers, ...cleared);
    await multi.exec();
  }

  /**
   * Counts every takeover of an entry (its consumer died, or hung past `claimIdleMs`, holding it)
   * durably, in one hash; an entry taken over `poisonThreshold` times goes to `onPoison` instead of
   * to `handle`. Only taken-over entries cost this round trip.
   */
  private async quarantine(entries: StreamEntry[]): Promise<StreamEntry[]> {
    const taken = entries.filter((entry) => entry.takenOver === true);
    if (taken.length === 0) return entries;
    const pipeline = this.options.commands.pipeline();
    for (const entry of taken) pipeline.hincrby(this.keys.takeovers, entry.id, 1);
    const counts = ((await pipeline.exec()) ?? []).map(([, count]) => Number(count));
    const threshold = this.options.poisonThreshold ?? 3;
    const poisoned = new Map<string, number>();
    taken.forEach((entry, i) => {
      this.claimed.add(entry.id);
      if ((counts[i] ?? 0) >= threshold) poisoned.set(entry.id, counts[i]!);
    });
    if (poisoned.size === 0 || this.options.onPoison === undefined) return entries;
    const quarantined = entries.filter((entry) => poisoned.has(entry.id));
    await this.options.onPoison(quarantined, Math.max(...poisoned.values()));
    await this.acknowledge(
      quarantined.map((entry) => entry.id),
      quarantined,
    );
    return entries.filter((entry) => !poisoned.has(entry.id));
  }

  private async next(): Promise<StreamEntry[]> {
    const { batchSize, consumer } = this.options;
    const own = this.retryOwn;
    // Own pending entries first (a failed batch, or a restart); then new ones, blocking until some arrive.
    const args = [
      'GROUP',
      this.keys.group,
      consumer,
      'COUNT',
      batchSize,
      ...(own ? [] : ['BLOCK', this.options.blockMs ?? 1000]),
      'STREAMS',
      this.keys.stream,
      own ? '0' : '>',
    ];
    const entries = streamEntries(await this.options.blocking.call('XREADGROUP', ...args)).map((raw) => toEntry(raw, own ? 2 : 1));
    if (own && entries.length === 0) this.retryOwn = false;
    if (Date.now() >= this.nextClaim) {
      const idle = this.options.claimIdleMs;
      this.nextClaim = Date.now() + idle / 2;
      const claimed = (await this.options.commands.xautoclaim(this.keys.stream, this.keys.group, consumer, idle, '0-0', 'COUNT', batchSize)) as [
        string,
        RawEntry[],
        string[],
      ];
      entries.push(...claimed[1].filter((raw) => raw[1] !== null).map((raw) => ({ ...toEntry(raw, 2), takenOver: true })));
    }
    return entries;
  }

  private async ensureGroup(): Promise<void> {
    try {
      // From the start of the stream: results written before any coordinator existed are not lost.
      await this.options.commands.xgroup('CREATE', this.keys.stream, this.keys.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
  }
}

/**
 * The entries of a one-stream XREADGROUP reply. RESP2 answers `[[key, entries]]`; RESP3 answers a
 * map, which the client hands over as `[key, entries]`. No reply (a timeout) is `null`.
 */
function streamEntries(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const first: unknown = reply[0];
  const entries: unknown = typeof first === 'string' || Buffer.isBuffer(first) ? reply[1] : Array.isArray(first) ? first[1] : undefined;
  return Array.isArray(entries) ? (entries as RawEntry[]) : [];
}

function toEntry([id, fields]: RawEntry, deliveries: number): StreamEntry {
  const index = fields.indexOf('r');
  let data: unknown;
  const text = index === -1 ? '' : (fields[index + 1] ?? '');
  try {
    data = index === -1 ? undefined : JSON.parse(text);
  } catch {
    data = undefined;
  }
  return { id, data, deliveries, length: text.length };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
