import { YAML_BODY_LIMIT, decodeUtf8, findJsonProblem, firstInvalidUtf8Byte, formatPath, parseDefinitionText } from '@agentic-flow/spec';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, validationFailed } from './api-error.js';
import { jsonProblemError, textError } from './text-problems.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The body is a document of its own (a workflow definition): problems in it are paths from
     * `$`, as the definition's validation reports them, instead of from `$.body`.
     */
    bodyIsDocument?: boolean;
  }
}

export const JSON_TYPE = 'application/json';
export const YAML_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml', 'text/x-yaml'];
/** YAML bodies' cap (spec's `YAML_BODY_LIMIT`, which the CLI's `validate` applies too). */
export { YAML_BODY_LIMIT };
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * The one way into the API for a request body. Only JSON and YAML are parsed (fastify's own
 * text/plain parser is removed: any other type with a body is 415). The raw bytes must be UTF-8;
 * the parsed value gets one iterative walk ({@link findJsonProblem}) for NUL characters, lone
 * surrogates and nesting past 200 levels, so no route, zod schema, hash or SQL parameter ever
 * sees them. Everything here happens before a handler runs, so a refused body writes nothing.
 */
export function registerBodyGate(app: FastifyInstance, options: { bodyLimit: number }): void {
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');

  app.addContentTypeParser(JSON_TYPE, { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = bodyText(request, body as Buffer);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      const problem = error ? (text === '' ? error : invalidJson(text)) : checkedValue(request, value);
      if (problem) done(problem, undefined);
      else done(null, value);
    });
  });

  app.addContentTypeParser(YAML_TYPES, { parseAs: 'buffer', bodyLimit: Math.min(YAML_BODY_LIMIT, options.bodyLimit) }, (request, body, done) => {
    try {
      const parsed = parseDefinitionText(bodyText(request, body as Buffer));
      if (!parsed.ok) {
        const root = formatPath(bodyRoot(request));
        const problems = parsed.problems.map((p) => ({ path: p.path.replace(/^\$/, root), message: p.message }));
        if (parsed.reason === 'too-deep') throw textError('NESTING_TOO_DEEP', problems[0]!.path, problems[0]!.message);
        throw validationFailed(problems, 'YAML body');
      }
      const problem = checkedValue(request, parsed.value);
      if (problem) throw problem;
      done(null, parsed.value);
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** The body as text: refused with 415 for a charset other than UTF-8, with 400 for bytes that are not UTF-8. */
function bodyText(request: FastifyRequest, body: Buffer): string {
  const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `charset ${charset} is not supported; send UTF-8 JSON or YAML`);
  }
  const text = decodeUtf8(body);
  if (text === undefined)
    throw textError('INVALID_TEXT', formatPath(bodyRoot(request)), `is not UTF-8: byte ${firstInvalidUtf8Byte(body)} starts no valid sequence`);
  return text;
}

function checkedValue(request: FastifyRequest, value: unknown): ApiError | undefined {
  const problem = findJsonProblem(value);
  return problem ? jsonProblemError(problem, bodyRoot(request)) : undefined;
}

function bodyRoot(request: FastifyRequest): string[] {
  return request.routeOptions.config.bodyIsDocument ? [] : ['body'];
}

/** fastify's parser says only "not valid JSON"; JSON.parse, run again on this rare path, says where. */
function invalidJson(text: string): ApiError {
  try {
    JSON.parse(text);
    return new ApiError('INVALID_JSON', 'request body is not valid JSON: "__proto__" and "constructor.prototype" keys are refused');
  } catch (error) {
    return new ApiError('INVALID_JSON', `request body is not valid JSON: ${(error as Error).message}`);
  }
}
