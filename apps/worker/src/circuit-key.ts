/**
 * The circuit breaker a step goes through, keyed by step type and target: an `http` step by its
 * URL's host and port (`http:api.example.com:443`), an `agent-task` step by its provider
 * (`agent-task:openai`, `agent-task:default` when none is named). Other steps (scripts) have none.
 * `config` is the step's config with every template resolved; a config too broken to name a target
 * has no breaker (the executor then fails it with `INVALID_CONFIG`).
 */
export function circuitKeyFor(stepType: string, config: unknown): string | undefined {
  const fields = typeof config === 'object' && config !== null ? (config as Record<string, unknown>) : undefined;
  switch (stepType) {
    case 'http': {
      const raw = fields?.['url'];
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
    case 'agent-task': {
      const provider = fields?.['provider'];
      return `agent-task:${typeof provider === 'string' && provider.length > 0 ? provider : 'default'}`;
    }
    default:
      return undefined;
  }
}
