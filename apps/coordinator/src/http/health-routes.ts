import { migrationStatus } from '@agentic-flow/store';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type pg from 'pg';

/** A probe that does not answer within this long counts as down: probes must answer promptly. */
const CHECK_TIMEOUT_MS = 2_000;

export function registerHealthRoutes(app: FastifyInstance, deps: { pool: pg.Pool; redis: Redis }): void {
  /** Liveness: the process serves HTTP. Checks nothing else: a database outage must not get coordinators restarted. */
  app.get('/healthz', async () => ({ status: 'ok' }));

  /** Readiness: PostgreSQL and Redis answer, and the database has every migration this build ships. */
  app.get('/readyz', async (_request, reply) => {
    const [postgres, migrations, redis] = await Promise.all([
      check(deps.pool.query('select 1').then(() => 'ok')),
      check(migrationStatus(deps.pool).then((s) => (s.applied >= s.expected ? 'ok' : `${s.applied} of ${s.expected} applied`))),
      check(deps.redis.ping().then(() => 'ok')),
    ]);
    const ready = postgres === 'ok' && migrations === 'ok' && redis === 'ok';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', postgres, migrations, redis });
  });
}

/** `ok`, or why not (an error's message, or a timeout), never a rejection. */
function check(probe: Promise<string>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS);
  });
  return Promise.race([probe.catch((e: Error) => e.message), timeout]).finally(() => clearTimeout(timer));
}
