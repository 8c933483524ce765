import { HTTP_METHODS, type HttpConfig } from '@agentic-flow/spec';
import { createHttpExecutor, type HttpExecutorOptions } from '../../http/http-executor.js';
import type { StepExecutor } from '../../step-executor.js';
import { toModelText, truncateText } from '../text-limits.js';
import type { AgentTool } from './agent-tool.js';

/** Options of {@link createHttpTool}. */
export interface HttpToolOptions {
  /** The executor requests go through. Default: one the tool creates (1 MiB response cap) and closes. */
  executor?: StepExecutor<HttpConfig>;
  /**
   * Options of the executor the tool creates; `egress` is the worker's egress policy (default:
   * public addresses only, as for http steps).
   */
  executorOptions?: HttpExecutorOptions;
  /** Per-request timeout, further bounded by the time the step has left. Default 30 000 ms. */
  timeoutMs?: number;
  /** Largest response body passed to the model, in characters of JSON; the rest is cut. Default 24 000. */
  maxBodyChars?: number;
}

/** Every status outside 2xx: for the agent, a 404 is an answer to read, not a failed step. */
const NON_2XX = Array.from({ length: 500 }, (_, i) => i + 100).filter((status) => status < 200 || status > 299);

/**
 * The `http` capability: tool `http_request`. It runs through the `http` step executor, so requests
 * follow the same rules (absolute http(s) URLs, JSON bodies, redirects, response parsing, size cap)
 * with no retries (the model decides whether to try again). Any status is returned to the model;
 * network errors and timeouts are error results.
 *
 * Every request carries the call's `Idempotency-Key` (`context.idempotencyKey`, see
 * `ToolCallKeys`), unless the model passes an `Idempotency-Key` header of its own, which wins.
 *
 * Like an `http` step, the tool goes through the worker's egress policy (`executorOptions.egress`):
 * a denied destination is an `EGRESS_DENIED` error result for the model, and nothing is sent. The
 * model endpoints themselves are the operator's configuration and are not subject to it.
 */
export function createHttpTool(options: HttpToolOptions = {}): AgentTool {
  const owned = options.executor === undefined;
  const executor = options.executor ?? createHttpExecutor({ maxResponseBytes: 1024 * 1024, ...options.executorOptions });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBodyChars = options.maxBodyChars ?? 24_000;

  return {
    spec: {
      name: 'http_request',
      description: 'Send an HTTP request and get the response status, headers and body (JSON bodies parsed). Objects and arrays in "body" are sent as JSON.',
      parameters: {
        type: 'object',
        properties: {
          method: { type: 'string', enum: [...HTTP_METHODS], description: 'Default GET.' },
          url: { type: 'string', description: 'Absolute http or https URL.' },
          headers: { type: 'object', additionalProperties: { type: 'string' } },
          body: { description: 'Request body: a string, or a JSON object or array.' },
        },
        required: ['url'],
        additionalProperties: false,
      },
    },

    async run(args, context) {
      const config: HttpConfig = {
        method: (args['method'] as HttpConfig['method'] | undefined) ?? 'GET',
        url: args['url'] as string,
        headers: (args['headers'] as Record<string, string> | undefined) ?? {},
        ...(args['body'] === undefined ? {} : { body: args['body'] }),
        timeout: Math.max(1, Math.min(timeoutMs, Math.floor(context.remainingMs()))),
        retries: 0,
        retryDelay: 0,
        acceptStatus: NON_2XX,
        responseType: 'auto',
      };
      const outcome = await executor.execute(
        // The call's own key, not the step's: each request of the run is a side effect of its own.
        { ...context.step, stepType: 'http', config, context: context.context, idempotencyKey: context.idempotencyKey },
        { signal: context.signal, log: context.log },
      );
      if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
      // The model is told the whole response: it may need the status or a header to decide.
      const { status, headers } = outcome.response!;
      const body = outcome.output;
      const bodyText = toModelText(body);
      if (bodyText.length <= maxBodyChars) return { status, headers, body };
      return { status, headers, body: truncateText(bodyText, maxBodyChars), truncated: true };
    },

    async close() {
      if (owned) await executor.close?.();
    },
  };
}
