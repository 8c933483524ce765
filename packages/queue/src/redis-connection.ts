import { Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  /**
   * `blocking` connections (BullMQ workers) must retry forever (`maxRetriesPerRequest: null`);
   * producer connections fail a command after a few retries so an API request does not hang.
   */
  role: 'blocking' | 'producer';
  connectionName?: string;
}

export function createRedisConnection(url: string, options: RedisConnectionOptions): Redis {
  const base: RedisOptions = {
    maxRetriesPerRequest: options.role === 'blocking' ? null : 3,
    enableReadyCheck: true,
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
  };
  return new Redis(url, base);
}

/** Describes a Redis URL without its password, for error messages and logs. */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'an invalid REDIS_URL';
  }
}

/**
 * Resolves when Redis answers PING, or rejects within `timeoutMs` with a one-line message naming the
 * address. Used at startup so an unreachable Redis is reported plainly instead of retried forever.
 */
export async function checkRedis(url: string, timeoutMs = 5_000): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {
    // Reported through the rejected connect() below; without a listener ioredis would log it.
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`Redis at ${redisAddress(url)} is unreachable: ${(error as Error).message}`);
  } finally {
    client.disconnect();
  }
}
