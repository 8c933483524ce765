/**
 * The LLM providers a worker can call, by name, and how the operator configures them.
 *
 * Configuration (environment variables; an empty value counts as unset):
 *
 * - `openai` (kind openai) always exists:
 *   base URL `AGENT_BASE_URL`, else `OPENAI_BASE_URL`, else `https://api.openai.com/v1`;
 *   key `OPENAI_API_KEY` (optional: local servers such as Ollama need none);
 *   model `AGENT_MODEL`, else `OPENAI_MODEL`, else `gpt-4o-mini`.
 * - `anthropic` (kind anthropic) exists when `ANTHROPIC_API_KEY` or `ANTHROPIC_BASE_URL` is set:
 *   base URL `ANTHROPIC_BASE_URL`, else `https://api.anthropic.com`; model `ANTHROPIC_MODEL`, else
 *   `claude-sonnet-4-5`.
 * - Any number of named providers, `AGENT_PROVIDER_<NAME>_<SETTING>`:
 *   `_BASE_URL` (required), `_MODEL` (required), `_KIND` (`openai`, the default, or `anthropic`),
 *   `_API_KEY`, and `_PRICE_INPUT` / `_PRICE_OUTPUT` (US dollars per million tokens; both or
 *   neither). The provider's name is NAME lower-cased with `_` turned into `-`:
 *   `AGENT_PROVIDER_OLLAMA_BASE_URL` configures `ollama`, `AGENT_PROVIDER_MY_LLM_*` configures `my-llm`.
 * - The same `AGENT_PROVIDER_OPENAI_*` / `AGENT_PROVIDER_ANTHROPIC_*` variables also apply to the
 *   two built-in providers (`AGENT_PROVIDER_OPENAI_PRICE_INPUT`), and win over the vendor-style
 *   ones above when both are set; their `_KIND`, if given, must be their own.
 * - `AGENT_DEFAULT_PROVIDER` (default `openai`): the provider of steps that name none; it must be
 *   configured.
 * - `AGENT_MAX_RETRIES` (default 3): retries per call on 408, 429, 5xx and network errors, for
 *   steps that own their retrying; a step whose `retry` strategy retries it tries each call once.
 *
 * Invalid values — a URL that is not http(s), a negative or non-numeric price, half a price, an
 * unknown kind, an unknown default, a named provider without URL or model, an
 * `AGENT_PROVIDER_*` variable with an unknown setting — are reported together, one line each,
 * starting with the variable. API keys are never echoed.
 */
import type { ChatProvider } from '../provider.js';
import { createAnthropicProvider } from './anthropic.js';
import { createOpenAiCompatibleProvider } from './openai-compatible.js';
import { readProviderEnv, type ProviderConfig } from './provider-env.js';
import type { ProviderOptions } from './provider-options.js';

/** What logs and the demo show of a provider: never its key. */
export interface ProviderSummary {
  name: string;
  kind: ChatProvider['kind'];
  baseUrl: string;
  model: string;
}

/**
 * The configured providers by name, and the one used when a step names none.
 *
 * @example
 * const registry = new ProviderRegistry([openai, ollama], 'ollama');
 * const provider = registry.resolve(step.provider); // the default when step.provider is undefined
 */
export class ProviderRegistry {
  readonly #providers = new Map<string, ChatProvider>();
  readonly defaultProvider: ChatProvider;

  /** Throws when two providers share a name or `defaultName` is none of them. */
  constructor(providers: readonly ChatProvider[], defaultName: string) {
    for (const provider of providers) {
      if (this.#providers.has(provider.name)) throw new RangeError(`two providers are named "${provider.name}"`);
      this.#providers.set(provider.name, provider);
    }
    const fallback = this.#providers.get(defaultName);
    if (fallback === undefined) throw new RangeError(`the default provider "${defaultName}" is not configured (configured: ${this.names().join(', ')})`);
    this.defaultProvider = fallback;
  }

  get(name: string): ChatProvider | undefined {
    return this.#providers.get(name);
  }

  /** The provider a step named, the default when it named none, `undefined` when the name is unknown. */
  resolve(name: string | undefined): ChatProvider | undefined {
    return name === undefined ? this.defaultProvider : this.#providers.get(name);
  }

  names(): string[] {
    return [...this.#providers.keys()];
  }

  /** One entry per provider, for a startup log line. */
  list(): ProviderSummary[] {
    return [...this.#providers.values()].map((p) => ({ name: p.name, kind: p.kind, baseUrl: p.baseUrl, model: p.defaultModel }));
  }

  /** Closes every provider's connection pool; rejects with an `AggregateError` if any close failed. */
  async closeAll(): Promise<void> {
    const results = await Promise.allSettled([...this.#providers.values()].map((p) => p.close?.()));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} provider(s) failed to close`);
  }
}

/**
 * Builds the registry from environment variables (see the top of this file), or returns every
 * problem found. Only an app's startup should call it; packages take a registry.
 *
 * @example
 * const result = providersFromEnv(process.env);
 * if ('problems' in result) throw new Error(`invalid agent configuration:\n${result.problems.join('\n')}`);
 * log.info({ providers: result.registry.list() }, 'agent providers');
 */
export function providersFromEnv(env: NodeJS.ProcessEnv): { registry: ProviderRegistry } | { problems: string[] } {
  const read = readProviderEnv(env);
  if ('problems' in read) return read;
  const { providers, defaultProvider, maxRetries } = read.config;
  return {
    registry: new ProviderRegistry(
      providers.map((config) => createProvider(config, { maxRetries })),
      defaultProvider,
    ),
  };
}

/** Creates the provider a configuration describes; `tuning` sets the shared retry options. */
export function createProvider(config: ProviderConfig, tuning: Omit<ProviderOptions, 'name' | 'baseUrl' | 'apiKey' | 'model' | 'prices'> = {}): ChatProvider {
  const options: ProviderOptions = {
    ...tuning,
    name: config.name,
    baseUrl: config.baseUrl,
    model: config.model,
    ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
    ...(config.prices === undefined ? {} : { prices: config.prices }),
  };
  return config.kind === 'anthropic' ? createAnthropicProvider(options) : createOpenAiCompatibleProvider(options);
}
