import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '@agentic-flow/telemetry';
import { registerBodyGate } from './body-gate.js';
import { clientErrorHandler } from './client-errors.js';
import { registerErrorHandler } from './error-handler.js';
import { MAX_PARAM_LENGTH, parseQueryString, registerRequestTextChecks, routingError } from './request-text.js';

export interface ServerOptions {
  logger: Logger;
  bodyLimit: number;
}

/** The fastify instance with our error shape and the input gate on every body, query and path. */
export function createServer(options: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit,
    routerOptions: { querystringParser: parseQueryString, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: routingError,
    clientErrorHandler,
    // Request lines go out at debug from the hook below, not at info for every call.
    logController: new LogController({ disableRequestLogging: true }),
  });
  registerBodyGate(app, { bodyLimit: options.bodyLimit });
  registerRequestTextChecks(app);
  app.addHook('onResponse', (request, reply, done) => {
    request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    done();
  });
  registerErrorHandler(app, { bodyLimit: options.bodyLimit });
  return app;
}
