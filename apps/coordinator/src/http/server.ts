import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { requestIdFrom } from '../auth/access-control.js';
import type { Logger } from '@agentic-flow/telemetry';
import { registerBodyGate } from './body-gate.js';
import { clientErrorHandler } from './client-errors.js';
import { registerErrorHandler } from './error-handler.js';
import { registerSecurityHeaders } from './security-headers.js';
import { MAX_PARAM_LENGTH, parseQueryString, registerRequestTextChecks, routingError } from './request-text.js';

export interface ServerOptions {
  logger: Logger;
  bodyLimit: number;
  /** Origins browsers may call from; empty: CORS stays off. */
  corsOrigins?: readonly string[];
}

/** The fastify instance with our error shape and the input gate on every body, query and path. */
export function createServer(options: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit,
    routerOptions: { querystringParser: parseQueryString, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: routingError,
    clientErrorHandler,
    genReqId: requestIdFrom,
    // Request lines go out at debug from the hook below, not at info for every call.
    logController: new LogController({ disableRequestLogging: true }),
  });
  registerSecurityHeaders(app);
  if (options.corsOrigins && options.corsOrigins.length > 0) {
    void app.register(cors, {
      origin: [...options.corsOrigins],
      allowedHeaders: ['authorization', 'content-type', 'af-namespace', 'x-request-id', 'last-event-id', 'idempotency-key'],
      exposedHeaders: ['x-request-id', 'retry-after', 'location', 'idempotent-replayed'],
    });
  }
  registerBodyGate(app, { bodyLimit: options.bodyLimit });
  registerRequestTextChecks(app);
  app.addHook('onResponse', (request, reply, done) => {
    request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    done();
  });
  registerErrorHandler(app, { bodyLimit: options.bodyLimit });
  return app;
}
