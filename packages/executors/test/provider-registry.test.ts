import { afterEach, describe, expect, it } from 'vitest';
import type { ChatProvider } from '../src/agent/provider.js';
import { readProviderEnv, type ProviderEnvConfig } from '../src/agent/providers/provider-env.js';
import { ProviderRegistry, providersFromEnv } from '../src/agent/providers/provider-registry.js';

// Providers are created (each with an idle undici pool) but never called: no socket is opened.

const registries: ProviderRegistry[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.closeAll()));
});

function registryFrom(env: NodeJS.ProcessEnv): ProviderRegistry {
  const result = providersFromEnv(env);
  if ('problems' in result) throw new Error(`unexpected problems:\n${result.problems.join('\n')}`);
  registries.push(result.registry);
  return result.registry;
}

function configFrom(env: NodeJS.ProcessEnv): ProviderEnvConfig {
  const result = readProviderEnv(env);
  if ('problems' in result) throw new Error(`unexpected problems:\n${result.problems.join('\n')}`);
  return result.config;
}

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  const result = providersFromEnv(env);
  if ('registry' in result) {
    registries.push(result.registry);
    throw new Error('expected problems');
  }
  return result.problems;
}

describe('providersFromEnv', () => {
  it('always configures openai, with public defaults, as the default provider', () => {
    const registry = registryFrom({});
    expect(registry.list()).toEqual([{ name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' }]);
    expect(registry.defaultProvider.name).toBe('openai');
    expect(registry.resolve(undefined)).toBe(registry.defaultProvider);
    expect(configFrom({}).maxRetries).toBe(3);
  });

  it('prefers AGENT_BASE_URL and AGENT_MODEL over the OPENAI_* variables, and the named ones over both', () => {
    const env = {
      AGENT_BASE_URL: 'http://agent:1/v1',
      OPENAI_BASE_URL: 'http://openai:2/v1',
      AGENT_MODEL: 'agent-model',
      OPENAI_MODEL: 'openai-model',
      OPENAI_API_KEY: 'sk-1',
    };
    expect(configFrom(env).providers[0]).toEqual({ name: 'openai', kind: 'openai', baseUrl: 'http://agent:1/v1', apiKey: 'sk-1', model: 'agent-model' });
    expect(configFrom({ OPENAI_BASE_URL: 'http://openai:2/v1', OPENAI_MODEL: 'm' }).providers[0]).toMatchObject({ baseUrl: 'http://openai:2/v1', model: 'm' });
    expect(configFrom({ ...env, AGENT_PROVIDER_OPENAI_MODEL: 'named' }).providers[0]?.model).toBe('named');
  });

  it('treats empty values as unset', () => {
    expect(configFrom({ AGENT_BASE_URL: '', OPENAI_BASE_URL: ' ', ANTHROPIC_API_KEY: '', AGENT_DEFAULT_PROVIDER: '' })).toEqual({
      providers: [{ name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' }],
      defaultProvider: 'openai',
      maxRetries: 3,
    });
  });

  it('configures anthropic when its key or base URL is set', () => {
    expect(registryFrom({ ANTHROPIC_API_KEY: 'sk-ant' }).get('anthropic')).toMatchObject({
      kind: 'anthropic',
      baseUrl: 'https://api.anthropic.com',
      defaultModel: 'claude-sonnet-4-5',
    });
    expect(registryFrom({ ANTHROPIC_BASE_URL: 'http://proxy:8080', ANTHROPIC_MODEL: 'claude-x' }).get('anthropic')).toMatchObject({
      baseUrl: 'http://proxy:8080',
      defaultModel: 'claude-x',
    });
    expect(registryFrom({ ANTHROPIC_MODEL: 'claude-x' }).get('anthropic')).toBeUndefined();
  });

  it('configures named providers, lower-casing NAME and turning _ into -', () => {
    const registry = registryFrom({
      AGENT_PROVIDER_OLLAMA_BASE_URL: 'http://localhost:11434/v1',
      AGENT_PROVIDER_OLLAMA_MODEL: 'llama3.2',
      AGENT_PROVIDER_MY_CLAUDE_BASE_URL: 'https://gateway.example/anthropic',
      AGENT_PROVIDER_MY_CLAUDE_KIND: 'anthropic',
      AGENT_PROVIDER_MY_CLAUDE_API_KEY: 'k',
      AGENT_PROVIDER_MY_CLAUDE_MODEL: 'claude-haiku',
      AGENT_DEFAULT_PROVIDER: 'ollama',
      AGENT_MAX_RETRIES: '5',
    });
    expect(registry.names()).toEqual(['openai', 'my-claude', 'ollama']);
    expect(registry.defaultProvider.name).toBe('ollama');
    expect(registry.get('ollama')).toMatchObject({ kind: 'openai', baseUrl: 'http://localhost:11434/v1', defaultModel: 'llama3.2' });
    expect(registry.get('my-claude')).toMatchObject({ kind: 'anthropic', baseUrl: 'https://gateway.example/anthropic', defaultModel: 'claude-haiku' });
    expect(registry.resolve('nope')).toBeUndefined();
  });

  it('reads prices for named and built-in providers, and the retry budget', () => {
    const config = configFrom({
      AGENT_PROVIDER_OPENAI_PRICE_INPUT: '0.15',
      AGENT_PROVIDER_OPENAI_PRICE_OUTPUT: '0.6',
      ANTHROPIC_API_KEY: 'sk-ant',
      AGENT_PROVIDER_ANTHROPIC_PRICE_INPUT: '3',
      AGENT_PROVIDER_ANTHROPIC_PRICE_OUTPUT: '15',
      AGENT_PROVIDER_LOCAL_BASE_URL: 'http://127.0.0.1:8000/v1',
      AGENT_PROVIDER_LOCAL_MODEL: 'qwen',
      AGENT_PROVIDER_LOCAL_PRICE_INPUT: '0',
      AGENT_PROVIDER_LOCAL_PRICE_OUTPUT: '0',
      AGENT_MAX_RETRIES: '0',
    });
    expect(config.providers.map((p) => [p.name, p.prices])).toEqual([
      ['openai', { inputPerMTok: 0.15, outputPerMTok: 0.6 }],
      ['anthropic', { inputPerMTok: 3, outputPerMTok: 15 }],
      ['local', { inputPerMTok: 0, outputPerMTok: 0 }],
    ]);
    expect(config.maxRetries).toBe(0);
  });

  it('reports every invalid value, one line each, starting with the variable', () => {
    const problems = problemsOf({
      AGENT_BASE_URL: 'ftp://files.example',
      AGENT_PROVIDER_OPENAI_PRICE_INPUT: '-1',
      AGENT_PROVIDER_OPENAI_PRICE_OUTPUT: 'cheap',
      AGENT_PROVIDER_VLLM_BASE_URL: 'http://vllm:8000/v1',
      AGENT_PROVIDER_VLLM_MODEL: 'm',
      AGENT_PROVIDER_VLLM_KIND: 'gemini',
      AGENT_PROVIDER_HALF_BASE_URL: 'http://half/v1',
      AGENT_PROVIDER_HALF_MODEL: 'm',
      AGENT_PROVIDER_HALF_PRICE_INPUT: '1',
      AGENT_PROVIDER_NOMODEL_BASE_URL: 'http://x/v1',
      AGENT_PROVIDER_TYPO_URL: 'http://typo/v1',
      AGENT_PROVIDER_ANTHROPIC_MODEL: 'claude-x',
      AGENT_DEFAULT_PROVIDER: 'mistral',
      AGENT_MAX_RETRIES: 'many',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'AGENT_BASE_URL: must be an absolute http or https URL',
        'AGENT_PROVIDER_OPENAI_PRICE_INPUT: must be a non-negative number of US dollars per million tokens, got "-1"',
        'AGENT_PROVIDER_OPENAI_PRICE_OUTPUT: must be a non-negative number of US dollars per million tokens, got "cheap"',
        'AGENT_PROVIDER_VLLM_KIND: unknown kind "gemini"; expected openai or anthropic',
        'AGENT_PROVIDER_HALF_PRICE_OUTPUT: required when AGENT_PROVIDER_HALF_PRICE_INPUT is set',
        'AGENT_PROVIDER_NOMODEL_MODEL: required to configure the provider "nomodel"',
        expect.stringMatching(/^AGENT_PROVIDER_TYPO_URL: unknown setting/),
        'AGENT_PROVIDER_ANTHROPIC_MODEL: the anthropic provider is not configured; set ANTHROPIC_API_KEY or ANTHROPIC_BASE_URL',
        expect.stringMatching(/^AGENT_DEFAULT_PROVIDER: no provider is named "mistral" \(configured: /),
        'AGENT_MAX_RETRIES: must be a non-negative integer, got "many"',
      ]),
    );
    expect(problems).toHaveLength(10);
    for (const problem of problems) expect(problem).not.toContain('\n');
  });

  it('never echoes an API key or a URL that may carry credentials', () => {
    const problems = problemsOf({
      OPENAI_API_KEY: 'sk-secret-key',
      AGENT_BASE_URL: 'mailto:user:sk-secret-url@host',
      AGENT_DEFAULT_PROVIDER: 'nope',
    });
    expect(problems.join('\n')).not.toMatch(/sk-secret/);
  });

  it('refuses a built-in provider declared with the other kind', () => {
    expect(problemsOf({ AGENT_PROVIDER_OPENAI_KIND: 'anthropic' })).toEqual(['AGENT_PROVIDER_OPENAI_KIND: the openai provider is always of kind "openai"']);
  });
});

describe('ProviderRegistry', () => {
  const stub = (name: string, closed: string[] = []): ChatProvider => ({
    name,
    kind: 'openai',
    defaultModel: 'm',
    baseUrl: 'http://x',
    chat: () => Promise.reject(new Error('not called')),
    close: async () => {
      closed.push(name);
    },
  });

  it('refuses duplicate names and an unknown default', () => {
    expect(() => new ProviderRegistry([stub('a'), stub('a')], 'a')).toThrow('two providers are named "a"');
    expect(() => new ProviderRegistry([stub('a')], 'b')).toThrow('the default provider "b" is not configured (configured: a)');
  });

  it('closes every provider', async () => {
    const closed: string[] = [];
    await new ProviderRegistry([stub('a', closed), stub('b', closed)], 'b').closeAll();
    expect(closed.sort()).toEqual(['a', 'b']);
  });
});
