import { Redis } from 'ioredis';
import { dockerAvailable } from './docker.js';
import { randomSuffix } from './random-suffix.js';

const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';
const REDIS_IMAGE = 'redis:7-alpine';

export interface TestRedis {
  /** Redis connection URL. */
  url: string;
  /** A key prefix unique to this call (`aft-<random>`), e.g. BullMQ's `prefix` option. */
  prefix: string;
  /** Deletes every key under `prefix:` (SCAN + UNLINK); other keys are left alone. */
  cleanup(): Promise<void>;
}

let serverUrl: Promise<string> | undefined;

/**
 * The Redis server for tests: `REDIS_URL` when set, else a Redis testcontainer shared by the
 * whole process when a Docker engine answers, else `redis://127.0.0.1:6379`.
 */
export function testRedisServerUrl(): Promise<string> {
  serverUrl ??= resolveServerUrl();
  return serverUrl;
}

async function resolveServerUrl(): Promise<string> {
  const fromEnv = process.env['REDIS_URL'];
  if (fromEnv) return fromEnv;
  if (await dockerAvailable()) {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer(REDIS_IMAGE).start();
    return container.getConnectionUrl();
  }
  return LOCAL_REDIS_URL;
}

/**
 * A Redis URL and a key prefix of the caller's own, so test files share one server without
 * seeing each other's queues.
 *
 * @example
 * const redis = await testRedis();
 * afterAll(() => redis.cleanup());
 * const queue = new Queue('step-http', { connection: { url: redis.url }, prefix: redis.prefix });
 */
export async function testRedis(): Promise<TestRedis> {
  const url = await testRedisServerUrl();
  const prefix = `aft-${randomSuffix()}`;
  return { url, prefix, cleanup: () => deleteKeys(url, `${prefix}:*`) };
}

/** Deletes every key matching a SCAN `MATCH` pattern. */
async function deleteKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // the failing command rejects; don't also emit unhandled errors
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
