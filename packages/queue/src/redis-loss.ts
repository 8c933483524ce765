import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from './names.js';

/**
 * Tells a process whether Redis lost its data (FLUSHALL, a restart without persistence, a failover
 * to an empty replica) since it last asked: each process keeps a sentinel key of its own, written
 * back on every look with `SET … GET`; finding it gone means Redis forgot it. The sentinel lives
 * far longer than the interval between looks, so an expiry is not taken for a loss unless the
 * process stopped looking for that long.
 */
export class RedisLossDetector {
  private readonly key: string;
  private looked = false;

  constructor(
    private readonly connection: Redis,
    prefix: string | undefined,
    instanceId: string,
    private readonly ttlMs = 5 * 60_000,
  ) {
    this.key = `${prefix ?? DEFAULT_PREFIX}:sentinel:${instanceId}`;
  }

  /** True when the sentinel was gone: Redis lost data since the previous call. False on the first call. */
  async lostSinceLastLook(): Promise<boolean> {
    const previous = await this.connection.set(this.key, '1', 'PX', this.ttlMs, 'GET');
    const lost = this.looked && previous === null;
    this.looked = true;
    return lost;
  }
}
