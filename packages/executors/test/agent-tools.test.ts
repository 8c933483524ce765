import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ToolRegistry,
  createScriptTool,
  createHttpTool,
  loadToolModules,
  type AgentTool,
  type RegisteredTool,
  type ToolRunContext,
} from '@agentic-flow/executors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToolCall } from '../src/agent/tools/run-tool-call.js';
import { call } from './agent-scripted-provider.js';

const tool = (name: string, parameters: Record<string, unknown> = { type: 'object' }): AgentTool => ({
  spec: { name, description: `does ${name}`, parameters },
  run: () => name,
});

function toolContext(overrides: Partial<ToolRunContext> = {}): ToolRunContext & { logs: string[] } {
  const logs: string[] = [];
  return {
    logs,
    signal: new AbortController().signal,
    log: (level, message) => logs.push(`${level}: ${message}`),
    context: { results: { fetch: { n: 2 } }, variables: { factor: 21 }, input: { who: 'ada' }, execution: { id: 'e', workflowId: 'wf', workflowVersion: '1' } },
    step: { stepRunId: 'run-1', stepId: 'agent', executionId: 'e', attempt: 1 },
    remainingMs: () => 10_000,
    ...overrides,
  };
}

function grantedOf(registry: ToolRegistry, capability: string): Map<string, RegisteredTool> {
  const resolved = registry.resolve([capability]);
  if (!resolved.ok) throw new Error('unknown capability');
  return new Map(resolved.tools.map((t) => [t.tool.spec.name, t]));
}

describe('ToolRegistry', () => {
  it('maps capabilities to tools, several per capability', () => {
    const registry = new ToolRegistry().register('web', tool('fetch_page')).register('web', tool('search')).register('math', tool('calc'));
    expect(registry.capabilities()).toEqual(['math', 'web']);
    const resolved = registry.resolve(['web', 'math', 'web']);
    expect(resolved.ok && resolved.tools.map((t) => [t.capability, t.tool.spec.name])).toEqual([
      ['web', 'fetch_page'],
      ['web', 'search'],
      ['math', 'calc'],
    ]);
    expect(registry.resolve(['web', 'nlp', 'nlp'])).toEqual({ ok: false, unknown: ['nlp'] });
    expect(registry.resolve([])).toEqual({ ok: true, tools: [] });
  });

  it('rejects bad names, duplicates and invalid parameter schemas at registration', () => {
    expect(() => new ToolRegistry().register('x', tool('has space'))).toThrow(/must be 1-64 letters/);
    expect(() => new ToolRegistry().register('x', tool('t')).register('y', tool('t'))).toThrow('tool "t" is registered twice');
    expect(() => new ToolRegistry().register('x', tool('t', { type: 'string' }))).toThrow(/"type": "object"/);
    expect(() => new ToolRegistry().register('x', tool('t', { type: 'object', properties: { a: { type: 'nope' } } }))).toThrow(/not a valid JSON Schema/);
    expect(() => new ToolRegistry().register('', tool('t'))).toThrow(/capability must not be empty/);
  });
});

describe('runToolCall', () => {
  const registry = new ToolRegistry().register('x', {
    spec: { name: 'echo', description: 'echo', parameters: { type: 'object', properties: { text: { type: 'string' } }, additionalProperties: false } },
    run: (args) => (args['text'] === 'undefined' ? undefined : { said: args['text'] }),
  });
  const granted = grantedOf(registry, 'x');

  it('returns JSON results as text and treats an empty argument string as no arguments', async () => {
    expect(await runToolCall(call('echo', { text: 'hi' }), granted, toolContext(), 1000)).toEqual({ content: '{"said":"hi"}', isError: false });
    expect(await runToolCall(call('echo', ''), granted, toolContext(), 1000)).toEqual({ content: '{}', isError: false });
    expect(await runToolCall(call('echo', { text: 'undefined' }), granted, toolContext(), 1000)).toEqual({ content: 'null', isError: false });
  });

  it('explains arguments that are not an object or break the schema', async () => {
    expect(await runToolCall(call('echo', [1]), granted, toolContext(), 1000)).toEqual({
      content: 'the arguments of "echo" must be a JSON object, not an array',
      isError: true,
    });
    expect(await runToolCall(call('echo', { text: 'a', extra: 1 }), granted, toolContext(), 1000)).toEqual({
      content: 'invalid arguments for "echo": $: unexpected property "extra"',
      isError: true,
    });
  });

  it('propagates an abort instead of reporting it to the model', async () => {
    const controller = new AbortController();
    const slow = new ToolRegistry().register('s', {
      spec: { name: 'slow', description: 'slow', parameters: { type: 'object' } },
      run: () => new Promise(() => undefined),
    });
    const entries = grantedOf(slow, 's');
    const pending = runToolCall(call('slow', {}), entries, toolContext({ signal: controller.signal }), 1000);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});

describe('loadToolModules', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'af-tools-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function module(name: string, source: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, source);
    return path;
  }

  it('loads one tool or an array of tools, with their capability (default: the name)', async () => {
    const single = await module(
      'weather.mjs',
      `export default { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        async run({ city }, { log }) { log('info', 'asked for ' + city); return { city, sky: 'clear' }; } };`,
    );
    const many = await module(
      'pair.mjs',
      `export default [
        { name: 'add', capability: 'math', description: 'Adds', parameters: { type: 'object' }, run: ({ a, b }) => a + b },
        { name: 'mul', capability: 'math', description: 'Multiplies', parameters: { type: 'object' }, run: ({ a, b }) => a * b },
      ];`,
    );
    const loaded = await loadToolModules([single, many]);
    expect(loaded.map((t) => [t.capability, t.tool.spec.name, t.source])).toEqual([
      ['get_weather', 'get_weather', single],
      ['math', 'add', many],
      ['math', 'mul', many],
    ]);
    const context = toolContext();
    expect(await loaded[0]!.tool.run({ city: 'Paris' }, context)).toEqual({ city: 'Paris', sky: 'clear' });
    expect(context.logs).toEqual(['info: asked for Paris']);
    expect(await loaded[2]!.tool.run({ a: 6, b: 7 }, context)).toBe(42);
  });

  it("hands an operator's tool its call's Idempotency-Key and nothing else of the context", async () => {
    const keyed = await module(
      'keyed.mjs',
      `export default { name: 'charge', description: 'Charges', parameters: { type: 'object' }, run: (args, context) => Object.keys(context).sort().join() + ' ' + context.idempotencyKey };`,
    );
    const [loaded] = await loadToolModules([keyed]);
    expect(await loaded!.tool.run({}, toolContext({ idempotencyKey: 'af1_call' }))).toBe('idempotencyKey,log,signal af1_call');
  });

  it('names the module and the problem of a bad one', async () => {
    await expect(loadToolModules(['relative/tool.mjs'])).rejects.toThrow('tool module "relative/tool.mjs": must be an absolute path');
    await expect(loadToolModules([join(dir, 'missing.mjs')])).rejects.toThrow(/^tool module .*missing\.mjs: cannot be loaded: /);
    const noDefault = await module('named.mjs', 'export const tool = {};');
    await expect(loadToolModules([noDefault])).rejects.toThrow(`tool module ${noDefault}: has no default export`);
    const incomplete = await module(
      'incomplete.mjs',
      `export default [{ name: 'ok', description: 'd', parameters: { type: 'object' }, run() {} }, { name: 'x' }];`,
    );
    await expect(loadToolModules([incomplete])).rejects.toThrow(
      `tool module ${incomplete} [1]: "description" must be a non-empty string; "parameters" must be a JSON Schema object; "run" must be a function`,
    );
    const syntax = await module('syntax.mjs', 'export default {');
    await expect(loadToolModules([syntax])).rejects.toThrow(/cannot be loaded/);
    const badSchema = await module('schema.mjs', `export default { name: 'a', description: 'd', parameters: { type: 'array' }, run() {} };`);
    await expect(loadToolModules([badSchema])).rejects.toThrow(`tool module ${badSchema}: tool "a": parameters must be a JSON Schema with "type": "object"`);
    const twice = await module(
      'twice.mjs',
      `const t = { name: 'dup', description: 'd', parameters: { type: 'object' }, run() {} }; export default [t, { ...t, capability: 'other' }];`,
    );
    await expect(loadToolModules([twice])).rejects.toThrow(`tool module ${twice}: tool "dup" is registered twice`);
  });
});

describe('script tool', () => {
  const scriptTool = createScriptTool();
  afterAll(() => scriptTool.close?.());

  it('runs JavaScript in the sandbox with the agent context in scope', async () => {
    const context = toolContext();
    const result = await scriptTool.run(
      { code: 'console.log("n is", results.fetch.n);\nreturn results.fetch.n * variables.factor + input.who.length;' },
      context,
    );
    expect(result).toEqual({ value: 45, console: ['info: n is 2'] });
    expect(context.logs).toEqual(['info: run_script: n is 2']);
    expect(await scriptTool.run({ code: 'return [1, 2].map((x) => x * 2)' }, toolContext())).toEqual({ value: [2, 4] });
  });

  it('throws the script error for the model, with its line', async () => {
    await expect(scriptTool.run({ code: 'const a = 1;\nthrow new Error("nope");' }, toolContext())).rejects.toThrow(/^SCRIPT_ERROR: .*nope.* \(line 2\)/);
    await expect(scriptTool.run({ code: 'require("fs")' }, toolContext())).rejects.toThrow(/^MODULE_NOT_ALLOWED/);
  });

  it('is bounded by the time the step has left', async () => {
    await expect(scriptTool.run({ code: 'while (true) {}' }, toolContext({ remainingMs: () => 50 }))).rejects.toThrow(/^TIMEOUT/);
  });
});

describe('http tool', () => {
  const httpTool = createHttpTool();
  afterAll(() => httpTool.close?.());

  it('describes itself to the model', () => {
    expect(httpTool.spec.name).toBe('http_request');
    expect(httpTool.spec.parameters).toMatchObject({ required: ['url'] });
  });

  it('reports a URL the http step would refuse as a tool error', async () => {
    await expect(httpTool.run({ url: 'ftp://example.com/x' }, toolContext())).rejects.toThrow(/^INVALID_CONFIG: .*must use http or https/);
  });
});
