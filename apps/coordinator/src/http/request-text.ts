import { findJsonProblem, formatPath } from '@agentic-flow/spec';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errorBody } from './api-error.js';
import { jsonProblemError, textError } from './text-problems.js';

/** Set on a parsed query whose key or value was not valid percent-encoded UTF-8: where. */
const BAD_ENCODING = Symbol('query text that did not decode');

type ParsedQuery = Record<string, string | string[]> & { [BAD_ENCODING]?: (string | number)[] };

/**
 * A query string parser that never guesses: `+` is a space, `%XX` must decode to UTF-8, and a key
 * given twice becomes an array. Text that does not decode is not passed on raw (as fastify's
 * parser does) but marked, so {@link checkRequestText} answers 400 naming it. It cannot throw:
 * it runs inside routing, where an exception would not reach our error handler.
 */
export function parseQueryString(text: string): ParsedQuery {
  const query = Object.create(null) as ParsedQuery;
  if (text === '') return query;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = decodeComponent(eq === -1 ? '' : pair.slice(eq + 1));
    if (key === undefined || value === undefined) {
      query[BAD_ENCODING] ??= key === undefined ? [] : [key];
      continue;
    }
    const existing = query[key];
    if (existing === undefined) query[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[key] = [existing, value];
  }
  return query;
}

function decodeComponent(raw: string): string | undefined {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * An `onRequest` hook: query and path parameters with text PostgreSQL cannot store (NUL, lone
 * surrogates) or that did not decode are 400 `INVALID_TEXT` before any handler runs.
 */
export function checkRequestText(request: FastifyRequest, _reply: FastifyReply, done: (error?: FastifyError) => void): void {
  const query = request.query as ParsedQuery;
  const badEncoding = query[BAD_ENCODING];
  if (badEncoding !== undefined) {
    done(textError('INVALID_TEXT', formatPath(['query', ...badEncoding]), 'is not valid percent-encoded UTF-8'));
    return;
  }
  const inQuery = findJsonProblem(query);
  if (inQuery) {
    done(jsonProblemError(inQuery, ['query']));
    return;
  }
  const inParams = findJsonProblem(request.params);
  done(inParams ? jsonProblemError(inParams, ['params']) : undefined);
}

/**
 * fastify answers a few routing failures itself, in its own shape; these give them ours. A path
 * that is not valid percent-encoded UTF-8 names no parameter: find-my-way cannot tell which.
 */
export function routingError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const api = routingApiError(error);
  void reply.code(api.statusCode).send(errorBody(api));
}

function routingApiError(error: FastifyError): ApiError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return textError('INVALID_TEXT', '$.params', 'the path is not valid percent-encoded UTF-8');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError('VALIDATION_FAILED', 'a path parameter is too long', [
        { path: '$.params', message: `is longer than ${MAX_PARAM_LENGTH} characters` },
      ]);
    default:
      return new ApiError('VALIDATION_FAILED', error.message);
  }
}

/** Longer than any id or key a route accepts (a circuit breaker key may be 500), short of abuse. */
export const MAX_PARAM_LENGTH = 1000;

export function registerRequestTextChecks(app: FastifyInstance): void {
  app.addHook('onRequest', checkRequestText);
}
