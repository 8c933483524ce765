import { LuaScript } from '@agentic-flow/queue';
import type { Logger } from '@agentic-flow/telemetry';
import type { Redis } from 'ioredis';

// One round trip: count the call in the current window and give the window's remaining time.
const COUNT = new LuaScript(`local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`);

export interface RateLimitVerdict {
  allowed: boolean;
  /** Ms until the window resets. */
  resetMs: number;
  remaining: number;
}

/**
 * Calls per caller per window, counted in Redis so every coordinator shares the count (a fixed
 * window: cheap, and its burst at a window edge is at most twice the limit). When Redis cannot be
 * asked the call is allowed: limiting load must not become an outage of its own.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly options: { prefix: string; limit: number; windowMs: number; logger: Logger },
  ) {}

  async check(caller: string): Promise<RateLimitVerdict> {
    const { limit, windowMs, prefix } = this.options;
    try {
      const [count, ttl] = (await COUNT.run(this.redis, [`${prefix}:rate-limit:${caller}`], [windowMs])) as [number, number];
      const resetMs = ttl > 0 ? ttl : windowMs;
      return { allowed: count <= limit, resetMs, remaining: Math.max(0, limit - count) };
    } catch (error) {
      this.options.logger.warn({ err: error }, 'rate limiter unavailable: the call is allowed');
      return { allowed: true, resetMs: windowMs, remaining: limit };
    }
  }
}
