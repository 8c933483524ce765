import { parseHttpUrl, type TokenPrices } from './provider-options.js';
import { ANTHROPIC_DEFAULT_BASE_URL } from './anthropic.js';
import { OPENAI_DEFAULT_BASE_URL } from './openai-compatible.js';

/**
 * Reads the provider configuration from environment variables, as documented at the top of
 * `provider-registry.ts`. Pure: it builds no provider and opens no socket, so every rule is
 * testable as data.
 */

export type ProviderKind = 'openai' | 'anthropic';

/** One provider as configured, before it is created. */
export interface ProviderConfig {
  name: string;
  kind: ProviderKind;
  baseUrl: string;
  apiKey?: string;
  model: string;
  prices?: TokenPrices;
}

export interface ProviderEnvConfig {
  /** `openai` first, then `anthropic` when configured, then the named ones by name. */
  providers: ProviderConfig[];
  defaultProvider: string;
  maxRetries: number;
}

const SETTINGS = ['BASE_URL', 'KIND', 'API_KEY', 'MODEL', 'PRICE_INPUT', 'PRICE_OUTPUT'] as const;
const NAMED_VARIABLE = new RegExp(`^AGENT_PROVIDER_([A-Za-z0-9_]+?)_(${SETTINGS.join('|')})$`);
const PREFIX = 'AGENT_PROVIDER_';

/** A variable that is set: its name (for problems) and its non-empty value. */
interface Found {
  variable: string;
  value: string;
}

/**
 * Every problem is one line that starts with the variable at fault, so an operator can fix them
 * all in one go.
 */
export function readProviderEnv(env: NodeJS.ProcessEnv): { config: ProviderEnvConfig } | { problems: string[] } {
  const problems: string[] = [];
  // An empty value counts as unset: compose files and shells often export `FOO=`.
  const get = (...variables: string[]): Found | undefined => {
    for (const variable of variables) {
      const value = env[variable];
      if (value !== undefined && value.trim() !== '') return { variable, value: value.trim() };
    }
    return undefined;
  };

  const named = groupNamedVariables(env, problems);
  const providers: ProviderConfig[] = [];
  const add = (config: ProviderConfig | undefined): void => {
    if (config !== undefined) providers.push(config);
  };

  // Built-in providers: their AGENT_PROVIDER_<NAME>_* variables win over the vendor-style ones.
  named.delete('openai');
  add(
    buildProvider('openai', 'openai', problems, get, {
      baseUrl: get('AGENT_PROVIDER_OPENAI_BASE_URL', 'AGENT_BASE_URL', 'OPENAI_BASE_URL'),
      defaultBaseUrl: OPENAI_DEFAULT_BASE_URL,
      apiKey: get('AGENT_PROVIDER_OPENAI_API_KEY', 'OPENAI_API_KEY'),
      model: get('AGENT_PROVIDER_OPENAI_MODEL', 'AGENT_MODEL', 'OPENAI_MODEL'),
      defaultModel: 'gpt-4o-mini',
    }),
  );

  named.delete('anthropic');
  const anthropicKey = get('AGENT_PROVIDER_ANTHROPIC_API_KEY', 'ANTHROPIC_API_KEY');
  const anthropicUrl = get('AGENT_PROVIDER_ANTHROPIC_BASE_URL', 'ANTHROPIC_BASE_URL');
  if (anthropicKey !== undefined || anthropicUrl !== undefined) {
    add(
      buildProvider('anthropic', 'anthropic', problems, get, {
        baseUrl: anthropicUrl,
        defaultBaseUrl: ANTHROPIC_DEFAULT_BASE_URL,
        apiKey: anthropicKey,
        model: get('AGENT_PROVIDER_ANTHROPIC_MODEL', 'ANTHROPIC_MODEL'),
        defaultModel: 'claude-sonnet-4-5',
      }),
    );
  } else {
    for (const setting of SETTINGS) {
      const found = get(`AGENT_PROVIDER_ANTHROPIC_${setting}`);
      if (found) problems.push(`${found.variable}: the anthropic provider is not configured; set ANTHROPIC_API_KEY or ANTHROPIC_BASE_URL`);
    }
  }

  for (const [name, variablePrefix] of [...named.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const baseUrl = get(`${variablePrefix}BASE_URL`);
    const model = get(`${variablePrefix}MODEL`);
    if (baseUrl === undefined) problems.push(`${variablePrefix}BASE_URL: required to configure the provider "${name}"`);
    if (model === undefined) problems.push(`${variablePrefix}MODEL: required to configure the provider "${name}"`);
    if (baseUrl === undefined || model === undefined) continue;
    const kind = parseKind(get(`${variablePrefix}KIND`), problems) ?? 'openai';
    add(buildProvider(name, kind, problems, get, { baseUrl, apiKey: get(`${variablePrefix}API_KEY`), model }));
  }

  const maxRetries = parseMaxRetries(get('AGENT_MAX_RETRIES'), problems);
  const defaultFound = get('AGENT_DEFAULT_PROVIDER');
  const defaultProvider = defaultFound === undefined ? 'openai' : providerName(defaultFound.value);
  if (defaultFound !== undefined && !providers.some((p) => p.name === defaultProvider)) {
    problems.push(`AGENT_DEFAULT_PROVIDER: no provider is named "${defaultProvider}" (configured: ${providers.map((p) => p.name).join(', ')})`);
  }

  if (problems.length > 0) return { problems };
  return { config: { providers, defaultProvider, maxRetries } };
}

/** `OLLAMA` → `ollama`, `MY_LLM` → `my-llm`: env names are upper snake case, provider names kebab. */
export function providerName(envName: string): string {
  return envName.toLowerCase().replace(/_/g, '-');
}

/**
 * The provider names the `AGENT_PROVIDER_<NAME>_<SETTING>` variables mention, each with its
 * variable prefix. A variable with an unknown setting is a problem: a typo such as `_URL` for
 * `_BASE_URL` would otherwise silently leave the provider unconfigured.
 */
function groupNamedVariables(env: NodeJS.ProcessEnv, problems: string[]): Map<string, string> {
  const named = new Map<string, string>();
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith(PREFIX) || value === undefined || value.trim() === '') continue;
    const match = NAMED_VARIABLE.exec(variable);
    if (match === null || match[1] === undefined) {
      problems.push(`${variable}: unknown setting; expected ${PREFIX}<NAME>_ followed by one of ${SETTINGS.join(', ')}`);
      continue;
    }
    named.set(providerName(match[1]), `${PREFIX}${match[1]}_`);
  }
  return named;
}

interface ProviderSources {
  baseUrl: Found | undefined;
  defaultBaseUrl?: string;
  apiKey: Found | undefined;
  model: Found | undefined;
  defaultModel?: string;
}

function buildProvider(
  name: string,
  kind: ProviderKind,
  problems: string[],
  get: (...variables: string[]) => Found | undefined,
  sources: ProviderSources,
): ProviderConfig | undefined {
  const before = problems.length;
  const envName = name.toUpperCase().replace(/-/g, '_');
  const declaredKind = get(`${PREFIX}${envName}_KIND`);
  if ((name === 'openai' || name === 'anthropic') && declaredKind !== undefined && declaredKind.value.toLowerCase() !== name) {
    problems.push(`${declaredKind.variable}: the ${name} provider is always of kind "${name}"`);
  }
  const baseUrl = sources.baseUrl?.value ?? sources.defaultBaseUrl ?? '';
  // The value is not echoed: a URL can carry credentials in its user info.
  if (parseHttpUrl(baseUrl) === undefined)
    problems.push(`${sources.baseUrl?.variable ?? `${PREFIX}${envName}_BASE_URL`}: must be an absolute http or https URL`);
  const prices = parsePrices(get(`${PREFIX}${envName}_PRICE_INPUT`), get(`${PREFIX}${envName}_PRICE_OUTPUT`), `${PREFIX}${envName}_`, problems);
  if (problems.length > before) return undefined;
  return {
    name,
    kind,
    baseUrl,
    ...(sources.apiKey === undefined ? {} : { apiKey: sources.apiKey.value }),
    model: sources.model?.value ?? sources.defaultModel ?? '',
    ...(prices === undefined ? {} : { prices }),
  };
}

function parseKind(found: Found | undefined, problems: string[]): ProviderKind | undefined {
  if (found === undefined) return undefined;
  const kind = found.value.toLowerCase();
  if (kind === 'openai' || kind === 'anthropic') return kind;
  problems.push(`${found.variable}: unknown kind "${found.value}"; expected openai or anthropic`);
  return undefined;
}

function parsePrices(input: Found | undefined, output: Found | undefined, prefix: string, problems: string[]): TokenPrices | undefined {
  if (input === undefined && output === undefined) return undefined;
  // Half a price would silently count the other half as free: ask for both.
  if (input === undefined) problems.push(`${prefix}PRICE_INPUT: required when ${prefix}PRICE_OUTPUT is set`);
  if (output === undefined) problems.push(`${prefix}PRICE_OUTPUT: required when ${prefix}PRICE_INPUT is set`);
  const inputPerMTok = input === undefined ? undefined : parsePrice(input, problems);
  const outputPerMTok = output === undefined ? undefined : parsePrice(output, problems);
  if (inputPerMTok === undefined || outputPerMTok === undefined) return undefined;
  return { inputPerMTok, outputPerMTok };
}

function parsePrice(found: Found, problems: string[]): number | undefined {
  const value = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(found.value) ? Number(found.value) : Number.NaN;
  if (Number.isFinite(value) && value >= 0) return value;
  problems.push(`${found.variable}: must be a non-negative number of US dollars per million tokens, got "${found.value}"`);
  return undefined;
}

function parseMaxRetries(found: Found | undefined, problems: string[]): number {
  if (found === undefined) return 3;
  if (/^\d+$/.test(found.value)) return Number(found.value);
  problems.push(`AGENT_MAX_RETRIES: must be a non-negative integer, got "${found.value}"`);
  return 3;
}
