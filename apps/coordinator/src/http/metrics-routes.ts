import { timingSafeEqual } from 'node:crypto';
import type { Registry } from '@agentic-flow/telemetry';
import type { FastifyInstance } from 'fastify';
import { ApiError, errorBody } from './api-error.js';

/**
 * `GET /metrics` in Prometheus text format. Public in the route policy (Prometheus holds no API key,
 * and an API key is scoped to namespaces while metrics are the cluster's); with `METRICS_TOKEN` set
 * it answers only `Authorization: Bearer <token>` (Prometheus `authorization.credentials`), 401
 * otherwise. The values hold workflow ids, step types and counts, never inputs, outputs or ids of
 * executions.
 */
export function registerMetricsRoutes(app: FastifyInstance, deps: { registry: Registry; token?: string | undefined }): void {
  const expected = deps.token === undefined ? undefined : Buffer.from(`Bearer ${deps.token}`);
  app.get('/metrics', async (request, reply) => {
    if (expected !== undefined) {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        const error = new ApiError('UNAUTHENTICATED', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
        return reply.code(error.statusCode).header('www-authenticate', 'Bearer realm="agentic-flow-metrics"').send(errorBody(error));
      }
    }
    const text = await deps.registry.metrics();
    return reply.header('content-type', deps.registry.contentType).send(text);
  });
}
