import type { CircuitVerdict, StepError } from '@agentic-flow/spec';
import type { ExecutorTraits } from '../step-executor.js';

/**
 * The breaker of an http step is its URL's host and port (`http:api.example.com:443`): every step
 * calling one server shares it, whatever the path, query or credentials. `config` is the step's
 * config as the executor gets it (templates resolved, secrets filled); a URL that is missing, not
 * absolute or not http(s) names no target, and the executor fails the step with `INVALID_CONFIG`.
 */
function httpCircuitKey(config: unknown): string | undefined {
  const raw = typeof config === 'object' && config !== null ? (config as Record<string, unknown>)['url'] : undefined;
  if (typeof raw !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `http:${url.hostname}:${port}`;
}

/**
 * A response outside `acceptStatus` (`HTTP_STATUS`) is a failure of the server when it is a 5xx or
 * a 429 (overloaded, or asking callers to back off); any other status is the request's fault, and
 * the server answered: success.
 */
function httpCircuitVerdict(error: StepError): CircuitVerdict | undefined {
  if (error.code !== 'HTTP_STATUS') return undefined;
  const status = Number(error.details?.['status']);
  return Number.isInteger(status) && (status >= 500 || status === 429) ? 'failure' : 'success';
}

/** What the worker asks of the `http` type, answered by its executor (`createHttpExecutor`). */
export const HTTP_EXECUTOR_TRAITS = {
  type: 'http',
  // Steps that wait on the network: many at once cost a socket each, not a core.
  defaultConcurrency: 50,
  circuitKey: httpCircuitKey,
  circuitVerdict: httpCircuitVerdict,
} as const satisfies ExecutorTraits;
