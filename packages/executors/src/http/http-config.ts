import { HttpConfigSchema, formatPath, stepError, type HttpConfig, type StepError } from '@agentic-flow/spec';

/** A validated `http` step config plus its final request URL (query parameters applied). */
export interface ResolvedHttpRequest {
  config: HttpConfig;
  url: URL;
}

export type ResolveHttpConfigResult = { ok: true; request: ResolvedHttpRequest } | { ok: false; error: StepError };

/**
 * Validates a step's resolved `config` with {@link HttpConfigSchema} and builds the request URL.
 * The coordinator validated the definition already, but templates are resolved after that, so a
 * `{{ }}` can still yield a non-URL or a non-string here: this is the last line of defence.
 */
export function resolveHttpConfig(raw: unknown): ResolveHttpConfigResult {
  const parsed = HttpConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${formatPath(['config', ...issue.path, key])}: unknown field`).join('; ');
      return `${formatPath(['config', ...issue.path])}: ${issue.message.replace(/^Invalid input: /, '')}`;
    });
    return invalid(`invalid http config: ${problems.join('; ')}`, { problems });
  }
  const config = parsed.data;

  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    // Don't echo the value: after template resolution it may hold a secret.
    return invalid('invalid http config: $.config.url: is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return invalid(`invalid http config: $.config.url: must use http or https, not "${url.protocol.slice(0, -1)}"`);
  }
  for (const [key, value] of Object.entries(config.query ?? {})) url.searchParams.append(key, String(value));
  return { ok: true, request: { config, url } };
}

/**
 * The URL as it may appear in messages and logs: origin and path only. Messages are stored in
 * Postgres, and the user info or query string may carry a `{{ secrets.X }}` value.
 */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function invalid(message: string, details?: Record<string, unknown>): { ok: false; error: StepError } {
  return { ok: false, error: stepError('INVALID_CONFIG', message, details) };
}
