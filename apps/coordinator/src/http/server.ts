import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '@agentic-flow/telemetry';
import { registerErrorHandler } from './error-handler.js';

export interface ServerOptions {
  logger: Logger;
  bodyLimit: number;
}

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** The fastify instance with our error shape and YAML bodies passed through as text. */
export function createServer(options: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit,
    // Request lines go out at debug from the hook below, not at info for every call.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.addHook('onResponse', (request, reply, done) => {
    request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    done();
  });
  registerErrorHandler(app);
  return app;
}
