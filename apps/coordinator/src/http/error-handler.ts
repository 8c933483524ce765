import { InvalidCursorError } from '@agentic-flow/store';
import type { FastifyError, FastifyInstance } from 'fastify';
import { DomainError } from '../errors/domain-error.js';
import { ApiError, errorBody } from './api-error.js';
import { YAML_BODY_LIMIT } from './body-gate.js';
import { answerToDomainError } from './domain-error-answer.js';
import { textError } from './text-problems.js';

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', '57P01', '57P03', '08006', '08001']);
/** PostgreSQL refusing text: 22P05 "unsupported Unicode escape sequence" (jsonb), 22021 "invalid byte sequence" (text). */
const INVALID_TEXT_CODES = new Set(['22P05', '22021']);

/**
 * Every error answer has the same shape: `{ error: { code, message, problems? } }`. A client's
 * mistake is a 4xx naming what and where; only our own faults are 500s (and are logged).
 */
export function registerErrorHandler(app: FastifyInstance, limits: { bodyLimit: number }): void {
  const tooLarge = `the body is too large: at most ${limits.bodyLimit} bytes of JSON, ${Math.min(YAML_BODY_LIMIT, limits.bodyLimit)} of YAML`;
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });

  app.setErrorHandler((error: FastifyError | ApiError | DomainError | Error, request, reply) => {
    if (error instanceof DomainError) {
      const answer = answerToDomainError(error);
      if (answer.error.statusCode >= 500) request.log.error({ err: error }, 'request failed');
      return reply.code(answer.error.statusCode).headers(answer.headers).send(errorBody(answer.error));
    }
    const api = toApiError(error, tooLarge);
    if (api) {
      if (api.code === 'INVALID_TEXT' && !(error instanceof ApiError)) request.log.warn({ err: error }, 'PostgreSQL refused text the input gate let through');
      return reply.code(api.statusCode).send(errorBody(api));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error; see the coordinator log' } });
  });
}

function toApiError(error: Error, tooLarge: string): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof InvalidCursorError) return new ApiError('INVALID_CURSOR', error.message, [{ path: '$.query.cursor', message: error.message }]);
  const code = (error as FastifyError).code ?? '';
  switch (code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', `${error.message}; send application/json or application/yaml`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PAYLOAD_TOO_LARGE', tooLarge);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('INVALID_JSON', error.message);
  }
  if (error instanceof SyntaxError || (error as FastifyError).statusCode === 400)
    return new ApiError('INVALID_JSON', `request body is not valid JSON: ${error.message}`);
  const causeCode = (error.cause as { code?: string } | undefined)?.code ?? '';
  // The input gate refuses such text before any SQL; should some path still pass it on, the
  // client's text is at fault, not the server.
  if (INVALID_TEXT_CODES.has(code) || INVALID_TEXT_CODES.has(causeCode))
    return textError('INVALID_TEXT', '$', 'contains text PostgreSQL cannot store (a NUL character or a lone surrogate)');
  if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CODES.has(causeCode)) {
    return new ApiError('SERVICE_UNAVAILABLE', 'the database or Redis is unreachable; try again shortly');
  }
  return null;
}
