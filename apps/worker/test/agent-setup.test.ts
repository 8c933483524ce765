import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScriptRunner } from '@agentic-flow/sandbox';
import { createAgentSetup } from '../src/agent-setup.js';
import { loadConfig } from '../src/config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'af-worker-tools-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The agents' script sandbox: these tests never run a script, and must not start processes. */
const noScripts: ScriptRunner = {
  run: () => Promise.reject(new Error('no script runs in these tests')),
  close: () => Promise.resolve(),
};

async function toolModule(name: string, source: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, source);
  return path;
}

describe('AGENT_TOOL_MODULES', () => {
  it('is a comma-separated list of absolute paths, empty by default', () => {
    const loaded = loadConfig({ AGENT_TOOL_MODULES: ' /opt/a.mjs, /opt/b.mjs ,,/opt/a.mjs' });
    expect(loaded.ok && loaded.config.AGENT_TOOL_MODULES).toEqual(['/opt/a.mjs', '/opt/b.mjs']);
    const none = loadConfig({});
    expect(none.ok && none.config.AGENT_TOOL_MODULES).toEqual([]);
  });

  it('rejects a relative path', () => {
    const loaded = loadConfig({ AGENT_TOOL_MODULES: '/opt/a.mjs,tools/b.mjs' });
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.message).toMatch(/AGENT_TOOL_MODULES\.1: each tool module must be an absolute path/);
  });
});

describe('createAgentSetup', () => {
  it('builds the executor with the providers, the built-in tools and the operator tools, and describes them without keys', async () => {
    const weather = await toolModule(
      'weather.mjs',
      `export default { name: 'get_weather', capability: 'weather', description: 'Weather', parameters: { type: 'object' }, run: () => 'sunny' };`,
    );
    const setup = await createAgentSetup(
      {
        OPENAI_API_KEY: 'sk-secret-openai',
        AGENT_PROVIDER_OLLAMA_BASE_URL: 'http://ollama:11434/v1',
        AGENT_PROVIDER_OLLAMA_MODEL: 'llama3.1',
        AGENT_DEFAULT_PROVIDER: 'ollama',
      },
      { AGENT_TOOL_MODULES: [weather] },
      noScripts,
    );
    if (!setup.ok) throw new Error(setup.message);
    try {
      expect(setup.executor.type).toBe('agent-task');
      expect(setup.summary).toEqual({
        providers: [
          { name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' },
          { name: 'ollama', kind: 'openai', baseUrl: 'http://ollama:11434/v1', model: 'llama3.1' },
        ],
        defaultProvider: 'ollama',
        capabilities: { http: ['http_request'], script: ['run_script'], weather: ['get_weather'] },
        toolModules: [weather],
      });
      expect(JSON.stringify(setup.summary)).not.toContain('sk-secret');
    } finally {
      await setup.executor.close?.();
    }
  });

  it('returns every provider problem in one message, without keys', async () => {
    const setup = await createAgentSetup(
      { OPENAI_API_KEY: 'sk-secret', AGENT_PROVIDER_OLLAMA_MODEL: 'llama3', AGENT_DEFAULT_PROVIDER: 'mistral', AGENT_BASE_URL: 'ftp://x' },
      { AGENT_TOOL_MODULES: [] },
      noScripts,
    );
    expect(setup.ok).toBe(false);
    if (setup.ok) return;
    expect(setup.message).toMatch(/^invalid agent provider configuration: /);
    expect(setup.message).toContain('AGENT_PROVIDER_OLLAMA_BASE_URL: required');
    expect(setup.message).toContain('AGENT_DEFAULT_PROVIDER');
    expect(setup.message).toContain('AGENT_BASE_URL');
    expect(setup.message).not.toContain('\n');
    expect(setup.message).not.toContain('sk-secret');
  });

  it('fails on a tool module that cannot be loaded or is not a tool', async () => {
    const missing = join(dir, 'missing.mjs');
    const noTool = await toolModule('no-tool.mjs', 'export default { name: "x" };');
    const clash = await toolModule('clash.mjs', `export default { name: 'http_request', description: 'mine', parameters: { type: 'object' }, run: () => 1 };`);

    const a = await createAgentSetup({}, { AGENT_TOOL_MODULES: [missing] }, noScripts);
    expect(!a.ok && a.message).toMatch(/^AGENT_TOOL_MODULES: tool module .*missing\.mjs: cannot be loaded: /);
    const b = await createAgentSetup({}, { AGENT_TOOL_MODULES: [noTool] }, noScripts);
    expect(!b.ok && b.message).toBe(
      `AGENT_TOOL_MODULES: tool module ${noTool}: "description" must be a non-empty string; "parameters" must be a JSON Schema object; "run" must be a function`,
    );
    const c = await createAgentSetup({}, { AGENT_TOOL_MODULES: [clash] }, noScripts);
    expect(!c.ok && c.message).toBe('AGENT_TOOL_MODULES: tool "http_request" is registered twice');
  });
});
