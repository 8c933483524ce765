import { afterAll, describe, expect, it } from 'vitest';
import { BUILTIN_MODULES, ModuleRegistry, ScriptSandbox, type ScriptRunInput } from '@agentic-flow/sandbox';

const globals = { results: {}, variables: {}, input: { words: ['b', 'a', 'c', 'a'] }, execution: {} };
const registry = new ModuleRegistry({
  modules: {
    greet: 'module.exports = (name) => "hello " + name;',
    answer: 'module.exports = require("base") + 1;',
    base: 'exports = module.exports = 41;',
    broken: 'throw new Error("module init failed");',
    entropy: 'module.exports = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)));',
    'bad-random': 'module.exports = (a) => crypto.getRandomValues(a);',
  },
});
const sandbox = new ScriptSandbox({ registry });
afterAll(() => sandbox.close());

function run(code: string, modules: string[], extra: Partial<ScriptRunInput> = {}) {
  return sandbox.run({ code, modules, timeoutMs: 1000, memoryLimitMb: 32, globals, ...extra });
}

describe('ModuleRegistry', () => {
  it('ships lodash and uuid and adds operator modules', () => {
    expect(registry.names()).toEqual(['answer', 'bad-random', 'base', 'broken', 'entropy', 'greet', 'lodash', 'uuid']);
    expect(BUILTIN_MODULES).toEqual(['lodash', 'uuid']);
    expect(registry.has('lodash')).toBe(true);
    expect(registry.has('fs')).toBe(false);
    expect(registry.source('lodash')).toContain('lodash');
    expect(() => registry.source('fs')).toThrow('module "fs" is not registered');
    expect(new ModuleRegistry({ builtins: false }).names()).toEqual([]);
  });

  it('refuses an operator module that does not parse, at construction', () => {
    expect(() => new ModuleRegistry({ modules: { bad: 'module.exports = ;' } })).toThrow('module "bad" does not parse');
    expect(() => new ModuleRegistry({ modules: { '': '1' } })).toThrow('must not be empty');
  });
});

describe('require in scripts', () => {
  it('loads lodash when the step requests it', async () => {
    const result = await run(
      'const _ = require("lodash");\nreturn { uniq: _.uniq(input.words), chunk: _.chunk([1, 2, 3], 2), same: require("lodash") === _ };',
      ['lodash'],
    );
    expect(result).toMatchObject({ ok: true, value: { uniq: ['b', 'a', 'c'], chunk: [[1, 2], [3]], same: true } });
  });

  it('refuses a registered module the step did not request', async () => {
    const result = await run('const x = 1;\nconst _ = require("lodash");\nreturn 1;', []);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'MODULE_NOT_ALLOWED', message: 'module "lodash" is not allowed: add it to the step\'s allowedModules', details: { line: 2 } },
    });
  });

  it('refuses a module unknown to the registry, whether required or requested', async () => {
    const required = await run('return require("child_process");', []);
    expect(required).toMatchObject({
      ok: false,
      error: { code: 'MODULE_NOT_ALLOWED', message: expect.stringContaining("not in the operator's module registry") },
    });
    const requested = await run('return 1;', ['lodash', 'fs', 'net']);
    expect(requested).toEqual({
      ok: false,
      error: {
        code: 'MODULE_NOT_ALLOWED',
        message: '"fs", "net" are not in the operator\'s module registry (registered: answer, bad-random, base, broken, entropy, greet, lodash, uuid)',
        details: { modules: ['fs', 'net'], registered: ['answer', 'bad-random', 'base', 'broken', 'entropy', 'greet', 'lodash', 'uuid'] },
      },
      logs: [],
    });
  });

  it('loads uuid: v4 and v7 UUIDs, from random bytes the host draws', async () => {
    const code = [
      'const { v4, v7, validate, version } = require("uuid");',
      'const fours = Array.from({ length: 1000 }, () => v4());',
      'const sevens = Array.from({ length: 3 }, () => v7());',
      'return { fours, sevens, valid: [...fours, ...sevens].every(validate), versions: [version(fours[0]), version(sevens[0])], now: Date.now() };',
    ].join('\n');
    const result = await run(code, ['uuid']);
    if (!result.ok) throw new Error(result.error.message);
    const value = result.value as { fours: string[]; sevens: string[]; valid: boolean; versions: number[]; now: number };
    expect(value).toMatchObject({ valid: true, versions: [4, 7] });
    expect(value.fours[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(value.fours).size).toBe(1000);
    // v7 starts with the time in ms and sorts in creation order.
    expect(Math.abs(parseInt(value.sevens[0]!.replaceAll('-', '').slice(0, 12), 16) - value.now)).toBeLessThan(5000);
    expect([...value.sevens].sort()).toEqual(value.sevens);
    // Another run (a fresh module instance, fresh bytes) repeats none of them.
    const again = await run('return require("uuid").v4();', ['uuid']);
    expect(value.fours).not.toContain((again as { value: string }).value);
  });

  it('gives modules crypto.getRandomValues, filled by the host and bounded like Web Crypto', async () => {
    const bytes = await run('const e = require("entropy");\nreturn [e(32), e(32)];', ['entropy']);
    const [a, b] = (bytes as { value: number[][] }).value;
    expect(a).toHaveLength(32);
    expect(a).not.toEqual(b);
    expect(new Set([...a!, ...b!]).size).toBeGreaterThan(16);
    expect(await run('return require("bad-random")(new Float64Array(2));', ['bad-random'])).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('integer typed array') },
    });
    expect(await run('return require("bad-random")(new Uint8Array(65537));', ['bad-random'])).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('at most 65536') },
    });
    // Scripts themselves have no crypto: only modules are handed one.
    expect(await run('return typeof crypto;', [])).toMatchObject({ ok: true, value: 'undefined' });
  });

  it('runs operator modules, whose own requires follow the same allowlist', async () => {
    expect(await run('return require("greet")("ada");', ['greet'])).toMatchObject({ ok: true, value: 'hello ada' });
    expect(await run('return require("answer");', ['answer', 'base'])).toMatchObject({ ok: true, value: 42 });
    expect(await run('return require("answer");', ['answer'])).toMatchObject({
      ok: false,
      error: { code: 'MODULE_NOT_ALLOWED', message: expect.stringContaining('"base"') },
    });
  });

  it('lets a script catch a refused require', async () => {
    const result = await run('try {\n  require("lodash");\n} catch (e) {\n  return "fallback";\n}', []);
    expect(result).toMatchObject({ ok: true, value: 'fallback' });
  });

  it('reports a module that throws while loading as a script error at the require line', async () => {
    const result = await run('const a = 1;\nrequire("broken");', ['broken']);
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'module init failed', details: { line: 2 } } });
    if (!result.ok) expect(result.error.details?.['stack']).toContain('module:broken:1');
  });

  it('reports the user line when a lodash callback throws', async () => {
    const result = await run('const _ = require("lodash");\nreturn _.map([1], () => {\n  throw new Error("inner");\n});', ['lodash']);
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'inner', details: { line: 3 } } });
  });
});
