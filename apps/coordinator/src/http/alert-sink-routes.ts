import { listAlertSinks } from '@agentic-flow/store';
import type { FastifyInstance } from 'fastify';
import { sinkView, type AlertSinks } from '../monitoring/alert-sinks.js';
import { DeliveriesQuerySchema, SinkBodySchema, SinkParamsSchema } from './monitor-schemas.js';
import { namespaceOf } from './request-context.js';
import { parseRequest } from './request-schemas.js';
import type pg from 'pg';

/** Webhook alert sinks of the request's namespace, and their deliveries. */
export function registerAlertSinkRoutes(app: FastifyInstance, deps: { pool: pg.Pool; sinks: AlertSinks }): void {
  app.put('/v1/alert-sinks/:name', async (request) => {
    const { name } = parseRequest(SinkParamsSchema, request.params, 'params');
    const config = parseRequest(SinkBodySchema, request.body, 'body');
    const view = await deps.sinks.put(namespaceOf(request), name, config, request.audit?.take());
    request.audit?.confirm();
    return view;
  });

  app.get('/v1/alert-sinks', async (request) => ({ items: (await listAlertSinks(deps.pool, namespaceOf(request))).map(sinkView) }));

  app.get('/v1/alert-sinks/:name', async (request) => {
    const { name } = parseRequest(SinkParamsSchema, request.params, 'params');
    return deps.sinks.get(namespaceOf(request), name);
  });

  app.delete('/v1/alert-sinks/:name', async (request, reply) => {
    const { name } = parseRequest(SinkParamsSchema, request.params, 'params');
    await deps.sinks.delete(namespaceOf(request), name, request.audit?.take(204));
    request.audit?.confirm();
    return reply.code(204).send();
  });

  /** Delivery status, newest first (keyset-paginated with `cursor`): pending, queued (being tried), delivered or failed, with attempts and the last answer. */
  app.get('/v1/alert-sinks/:name/deliveries', async (request) => {
    const { name } = parseRequest(SinkParamsSchema, request.params, 'params');
    const { limit, cursor } = parseRequest(DeliveriesQuerySchema, request.query, 'query');
    return deps.sinks.deliveries(namespaceOf(request), name, limit, cursor);
  });
}
