/**
 * The options every provider kind shares (endpoint, key, model, prices, retry budget), their
 * defaults, and their validation. A bad option is an operator mistake caught at startup, so it
 * throws instead of failing steps later.
 */

/** What a provider charges, in US dollars per million tokens. */
export interface TokenPrices {
  inputPerMTok: number;
  outputPerMTok: number;
}

/** Options of `createOpenAiCompatibleProvider` and `createAnthropicProvider`. */
export interface ProviderOptions {
  /** The name steps use as `provider`. Default: the kind (`openai` or `anthropic`). */
  name?: string;
  /** http(s) URL the API paths are appended to. Default: the vendor's public endpoint. */
  baseUrl?: string;
  /** Sent as a header when set; local servers (Ollama, vLLM) need none. Never logged. */
  apiKey?: string;
  /** The model used when a request names none. */
  model: string;
  /** When set, each response's `usage.costUsd` is computed from these prices. */
  prices?: TokenPrices;
  /**
   * Retries after the first attempt on 408, 429, 5xx and network errors. Default 3. A call made for
   * a step whose `retry` strategy owns retrying is tried once (`ChatRequest.retryOwner`).
   */
  maxRetries?: number;
  /** Nominal wait before the first retry; doubles each retry, with equal jitter. Default 500 ms. */
  retryDelayMs?: number;
  /** Cap on the exponential backoff. Default 30 000 ms. */
  maxRetryDelayMs?: number;
  /** Cap on a server's `Retry-After` (429/503). Default 60 000 ms. */
  maxRetryAfterMs?: number;
  /** Largest accepted response body. Default 10 MiB. */
  maxResponseBytes?: number;
  /** Sockets per origin; default unlimited (undici's default). */
  connectionsPerOrigin?: number;
  /** Jitter source, [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Clock for `Retry-After` dates, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** {@link ProviderOptions} with every default applied and every value checked. */
export interface ResolvedProviderOptions {
  name: string;
  baseUrl: URL;
  apiKey: string | undefined;
  model: string;
  prices: TokenPrices | undefined;
  maxRetries: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  maxRetryAfterMs: number;
  maxResponseBytes: number;
  connectionsPerOrigin: number | undefined;
  random: () => number;
  now: () => number;
}

const DEFAULTS = {
  maxRetries: 3,
  retryDelayMs: 500,
  maxRetryDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  maxResponseBytes: 10 * 1024 * 1024,
} as const;

/**
 * Applies defaults and validates. Throws a `RangeError` naming the option; the message never
 * contains the API key.
 */
export function resolveProviderOptions(options: ProviderOptions, defaults: { name: string; baseUrl: string }): ResolvedProviderOptions {
  const name = options.name ?? defaults.name;
  const where = `provider "${name}"`;
  if (name.trim() === '') throw new RangeError('provider name must not be empty');
  if (options.model.trim() === '') throw new RangeError(`${where}: model must not be empty`);
  const apiKey = options.apiKey === '' ? undefined : options.apiKey;
  return {
    name,
    baseUrl: parseBaseUrl(options.baseUrl ?? defaults.baseUrl, where),
    apiKey,
    model: options.model,
    prices: options.prices === undefined ? undefined : checkPrices(options.prices, where),
    maxRetries: integerAtLeast(options.maxRetries ?? DEFAULTS.maxRetries, 0, `${where}: maxRetries`),
    retryDelayMs: nonNegative(options.retryDelayMs ?? DEFAULTS.retryDelayMs, `${where}: retryDelayMs`),
    maxRetryDelayMs: nonNegative(options.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs, `${where}: maxRetryDelayMs`),
    maxRetryAfterMs: nonNegative(options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs, `${where}: maxRetryAfterMs`),
    maxResponseBytes: integerAtLeast(options.maxResponseBytes ?? DEFAULTS.maxResponseBytes, 1, `${where}: maxResponseBytes`),
    connectionsPerOrigin:
      options.connectionsPerOrigin === undefined ? undefined : integerAtLeast(options.connectionsPerOrigin, 1, `${where}: connectionsPerOrigin`),
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
}

/**
 * Parses an http(s) base URL, or returns `undefined`. Shared with the environment parser so both
 * accept exactly the same values.
 */
export function parseHttpUrl(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

/** `base` + `/path`, keeping the base's own path (`…/v1` + `/chat/completions`). */
export function endpointUrl(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  url.search = '';
  url.hash = '';
  return url;
}

function parseBaseUrl(text: string, where: string): URL {
  const url = parseHttpUrl(text);
  // The value is not echoed: a base URL can carry credentials in its user info.
  if (url === undefined) throw new RangeError(`${where}: baseUrl must be an absolute http or https URL`);
  return url;
}

function checkPrices(prices: TokenPrices, where: string): TokenPrices {
  nonNegative(prices.inputPerMTok, `${where}: prices.inputPerMTok`);
  nonNegative(prices.outputPerMTok, `${where}: prices.outputPerMTok`);
  return { inputPerMTok: prices.inputPerMTok, outputPerMTok: prices.outputPerMTok };
}

function nonNegative(value: number, label: string): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${label} must be a non-negative number, got ${value}`);
  return value;
}

function integerAtLeast(value: number, min: number, label: string): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${label} must be an integer ≥ ${min}, got ${value}`);
  return value;
}
