import type { Database } from '@agentic-flow/store';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';

export function registerHealthRoutes(app: FastifyInstance, deps: { db: Database; redis: Redis }): void {
  /** Liveness: the process serves HTTP. */
  app.get('/healthz', async () => ({ status: 'ok' }));

  /** Readiness: PostgreSQL and Redis answer. */
  app.get('/readyz', async (_request, reply) => {
    const [postgres, redis] = await Promise.all([
      deps.db.execute(sql`select 1`).then(() => 'ok', (e: Error) => e.message),
      deps.redis.ping().then(() => 'ok', (e: Error) => e.message),
    ]);
    const ready = postgres === 'ok' && redis === 'ok';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', postgres, redis });
  });
}
