import { describe, expect, it } from 'vitest';
import { ScriptSandbox, type ScriptGlobals, type ScriptRunInput, type ScriptRunResult } from '@agentic-flow/sandbox';

/**
 * Runs share an isolate's one realm (a locked-down context). Each test runs scripts one after the
 * other on a sandbox with a single isolate, checks that they really ran in the same isolate (and so
 * the same realm), and that nothing of one run reaches the next.
 */
const globalsA: ScriptGlobals = {
  results: { step: { value: 1 } },
  variables: { count: 2, list: [1, 2, 3] },
  input: { secret: 'alpha-secret', nested: { deep: 'original' } },
  execution: { id: 'exec-a' },
};
const globalsB: ScriptGlobals = { ...globalsA, input: { secret: 'beta-secret', nested: { deep: 'original' } }, execution: { id: 'exec-b' } };

type Step = string | Partial<ScriptRunInput>;

/** Runs `steps` in order on one isolate; asserts that it stayed the same isolate throughout. */
async function inOneRealm(...steps: Step[]): Promise<ScriptRunResult[]> {
  // A large heap threshold: a run that makes garbage must not get the isolate retired mid-test.
  const sandbox = new ScriptSandbox({ maxIsolates: 1, retireAtHeapMb: 1024 });
  try {
    const results: ScriptRunResult[] = [];
    for (const [index, step] of steps.entries()) {
      const input = typeof step === 'string' ? { code: step } : step;
      results.push(await sandbox.run({ code: '', timeoutMs: 1000, memoryLimitMb: 64, globals: index === steps.length - 1 ? globalsB : globalsA, ...input }));
    }
    expect(sandbox.stats()).toMatchObject({ created: 1, retired: 0 });
    return results;
  } finally {
    await sandbox.close();
  }
}

const frozen = (message: string) => ({ ok: false, error: { code: 'SCRIPT_ERROR', message, details: { name: 'TypeError', line: 1 } } });

describe('ScriptSandbox: runs sharing a realm', () => {
  it('does not let a run leave a global behind', async () => {
    const [assign, self, sloppy, local, evalVar, after] = await inOneRealm(
      'globalThis.leaked = input.secret;',
      'this.leaked = input.secret;',
      'Function("leaked = 1")();\nreturn typeof leaked;',
      'var leaked = input.secret;\nreturn leaked;',
      '(0, eval)("var leaked = 1");',
      'return [typeof leaked, typeof globalThis.leaked, Object.getOwnPropertyNames(globalThis).includes("leaked")];',
    );
    // A strict script writing to the frozen global object fails at once, where it wrote.
    expect(assign).toMatchObject(frozen('Cannot add property leaked, object is not extensible'));
    expect(self).toMatchObject(frozen('Cannot add property leaked, object is not extensible'));
    // Sloppy code (made with Function) fails silently, as it does for any non-extensible object.
    expect(sloppy).toMatchObject({ ok: true, value: 'undefined' });
    // A top-level `var` is a local of the script's function.
    expect(local).toMatchObject({ ok: true, value: 'alpha-secret' });
    expect(evalVar).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'Cannot add property leaked, object is not extensible' } });
    expect(after).toMatchObject({ ok: true, value: ['undefined', 'undefined', false] });
  });

  it('refuses changes to built-ins, strict or sloppy, and the next run sees the originals', async () => {
    const attempts = [
      'Array.prototype.map = () => "stolen";',
      'Object.prototype.polluted = 1;',
      'JSON.parse = () => "stolen";',
      'Math.random = () => 4;',
      'Error.prepareStackTrace = () => "stolen";',
      'RegExp.prototype.exec = () => null;',
      'Object.defineProperty(Array.prototype, "filter", { value: 1 });',
      'Object.setPrototypeOf(Array.prototype, null);',
      'delete Array.prototype.map;',
    ];
    const sloppy = `Function(${JSON.stringify(attempts.slice(0, 6).join('\n'))})();\nreturn "ignored";`;
    const check =
      'return [[1].map((x) => x + 1)[0], ({}).polluted, JSON.parse("{\\"a\\":1}").a, Math.random() < 1, typeof Error.prepareStackTrace, /a/.exec("a")[0], typeof [].filter, Object.getPrototypeOf([]) === Array.prototype];';
    const results = await inOneRealm(...attempts, sloppy, check);
    for (const result of results.slice(0, attempts.length))
      expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', details: { name: 'TypeError', line: 1 } } });
    expect(results.at(-2)).toMatchObject({ ok: true, value: 'ignored' });
    expect(results.at(-1)).toMatchObject({ ok: true, value: [2, null, 1, true, 'undefined', 'a', 'function', true] });
  });

  it('keeps the legacy RegExp statics from revealing an earlier match', async () => {
    const [first, second] = await inOneRealm(
      'const m = /secret=(\\w+)/.exec("secret=" + input.secret);\nreturn [m[1], RegExp.$1, RegExp.lastMatch, RegExp["$&"], RegExp.input, RegExp.leftContext, RegExp.lastParen];',
      'return [RegExp.$1, RegExp.lastMatch, RegExp["$_"], RegExp.rightContext, Object.getOwnPropertyNames(RegExp)];',
    );
    expect(first).toMatchObject({ ok: true, value: ['alpha', null, null, null, null, null, null] });
    expect(second).toMatchObject({ ok: true, value: [null, null, null, null, ['length', 'name', 'prototype']] });
  });

  it('gives a later run nothing through Symbol.for', async () => {
    const [first, second] = await inOneRealm(
      'const s = Symbol.for("shared");\nfor (const target of [globalThis, Object.prototype, Symbol.prototype]) {\n  try { target[s] = input.secret; } catch (e) {}\n}\nreturn Symbol.keyFor(s);',
      'const s = Symbol.for("shared");\nreturn [globalThis[s], ({})[s], s.description, Object.getOwnPropertySymbols(Object.prototype).length];',
    );
    expect(first).toMatchObject({ ok: true, value: 'shared' });
    expect(second).toMatchObject({ ok: true, value: [null, null, 'shared', 0] });
  });

  it("gives a later run nothing of an earlier run's WeakRef or FinalizationRegistry, and no WebAssembly at all", async () => {
    const [first, second, third] = await inOneRealm(
      [
        'const target = { secret: input.secret };',
        'const ref = new WeakRef(target);',
        'const registry = new FinalizationRegistry((held) => console.log("finalized " + held));',
        'for (let i = 0; i < 2000; i++) registry.register({ i }, input.secret);',
        'return [ref.deref().secret, registry instanceof FinalizationRegistry, Object.getPrototypeOf(FinalizationRegistry) === Function.prototype, typeof WebAssembly];',
      ].join('\n'),
      // Garbage for several collections: a finalizer of the first run must not act in this one.
      'let junk = [];\nfor (let i = 0; i < 200; i++) { junk.push(new Array(10000).fill(i)); if (junk.length > 10) junk = []; }\nreturn "b";',
      'return [input.secret, typeof WeakRef, typeof Atomics.waitAsync];',
    );
    // WebAssembly memory is not counted against the isolate's limit: it is not there to use.
    expect(first).toMatchObject({ ok: true, value: ['alpha-secret', true, true, 'undefined'] });
    expect(second).toEqual({ ok: true, value: 'b', variableUpdates: {}, logs: [] });
    expect(third).toEqual({ ok: true, value: ['beta-secret', 'function', 'undefined'], variableUpdates: {}, logs: [] });
  });

  it('does not let a promise chain left behind see or write into a later run', async () => {
    const [first, second] = await inOneRealm(
      [
        'const secret = input.secret;',
        'new Promise(() => {}).then(() => console.log("never " + secret));',
        '(async () => {',
        '  for (let i = 0; i < 1000; i++) await null;',
        '  console.log("late " + secret + " " + typeof globalThis.input);',
        '  setVariable("late", secret);',
        '})();',
        'return "a";',
      ].join('\n'),
      'await null;\nreturn input.secret;',
    );
    expect(first).toMatchObject({ ok: true, value: 'a' });
    expect(second).toEqual({ ok: true, value: 'beta-secret', variableUpdates: {}, logs: [] });
  });

  it('gives every run its own Math.random generator, seeded by the host', async () => {
    // One shared generator would let a run recover its state and step back to an earlier run's numbers.
    const draw =
      'const xs = Array.from({ length: 2000 }, () => Math.random());\nconst mean = xs.reduce((a, b) => a + b, 0) / xs.length;\nreturn { head: xs.slice(0, 4), ok: xs.every((x) => x >= 0 && x < 1), mean, distinct: new Set(xs).size };';
    const [first, second] = await inOneRealm(draw, draw);
    for (const result of [first, second]) {
      expect(result).toMatchObject({ ok: true, value: { ok: true, distinct: 2000 } });
      if (result?.ok === true) expect(Math.abs((result.value as { mean: number }).mean - 0.5)).toBeLessThan(0.05);
    }
    if (first?.ok === true && second?.ok === true) expect(second.value).not.toMatchObject({ head: (first.value as { head: number[] }).head });
  });

  it('hands every run its own deep copies, console, setVariable and module exports', async () => {
    const mutate = [
      'variables.count = 100;',
      'variables.list.push(4);',
      'input.nested.deep = "changed";',
      'results.step.value = -1;',
      'console.log = null;',
      'const _ = require("lodash");',
      '_.map = null;',
      'return "mutated";',
    ].join('\n');
    const read =
      'const _ = require("lodash");\nconsole.log("still logs");\nreturn [variables.count, variables.list, input.nested.deep, results.step.value, typeof _.map];';
    const [first, second] = await inOneRealm({ code: mutate, modules: ['lodash'] }, { code: read, modules: ['lodash'] });
    expect(first).toMatchObject({ ok: true, value: 'mutated' });
    expect(second).toMatchObject({ ok: true, value: [2, [1, 2, 3], 'original', 1, 'function'], logs: [{ message: 'still logs' }] });
    expect(globalsA.variables).toEqual({ count: 2, list: [1, 2, 3] });
  });

  it('refuses code that closes its function early, which would run outside any run', async () => {
    // Wrapped, this parses as `(function () { return async function () {}; }) && (() => { … })() || (function () { … })`:
    // without the check, evaluating it would return a function that keeps every run's secret in `store`.
    const breakout =
      '}; }) && (() => {\n  const store = [];\n  return function () { return async function (results, variables, input) { store.push(input.secret); return store; }; };\n})() || (function () { return async function () {';
    const [first, second] = await inOneRealm(breakout, breakout);
    for (const result of [first, second]) {
      expect(result).toMatchObject({
        ok: false,
        error: { code: 'SCRIPT_ERROR', message: expect.stringContaining('does not fit in one function'), details: { name: 'SyntaxError' } },
      });
    }
  });

  it('freezes everything reachable from globalThis and the intrinsics only syntax reaches', async () => {
    const walk = [
      'const samples = [async function () {}, function* () {}, async function* () {}, [][Symbol.iterator](), new Map().entries(),',
      '  new Set().values(), ""[Symbol.iterator](), /a/g[Symbol.matchAll]("a"), new Intl.Segmenter().segment(""), new Intl.Segmenter().segment("")[Symbol.iterator]()];',
      'const roots = [globalThis, ...samples.map((sample) => Object.getPrototypeOf(sample))];',
      'const seen = new Set(), open = [];',
      'const queue = roots.map((value, i) => [value, "root" + i]);',
      'while (queue.length > 0) {',
      '  const [value, path] = queue.pop();',
      '  if ((typeof value !== "object" || value === null) && typeof value !== "function") continue;',
      '  if (seen.has(value)) continue;',
      '  seen.add(value);',
      '  if (!Object.isFrozen(value)) open.push(path);',
      '  queue.push([Object.getPrototypeOf(value), path + ".__proto__"]);',
      '  for (const key of Reflect.ownKeys(value)) {',
      '    const d = Object.getOwnPropertyDescriptor(value, key);',
      '    for (const v of [d.value, d.get, d.set]) queue.push([v, path + "." + String(key)]);',
      '  }',
      '}',
      'return { open, seen: seen.size, global: Object.isFrozen(globalThis) };',
    ].join('\n');
    const [result] = await inOneRealm(walk);
    expect(result).toMatchObject({ ok: true, value: { open: [], global: true } });
    if (result?.ok === true) expect((result.value as { seen: number }).seen).toBeGreaterThan(500);
  });

  it('still lets ordinary code override inherited properties on its own objects', async () => {
    const code = [
      'const e = new Error("x");',
      'e.name = "Custom";',
      'e.message = "changed";',
      'function F() {}',
      'F.prototype.toString = function () { return "F!"; };',
      'F.prototype.constructor = F;',
      'class Failure extends TypeError { constructor() { super("f"); this.name = "Failure"; } }',
      'const o = {};',
      'o.valueOf = () => 41;',
      'let refused;',
      'try { Error.prototype.name = "changed"; } catch (err) { refused = err.name; }',
      'return [String(e), String(new F()), new F().constructor === F, String(new Failure()), o + 1, refused, new Error("y").name];',
    ].join('\n');
    const [result] = await inOneRealm(code);
    expect(result).toMatchObject({ ok: true, value: ['Custom: changed', 'F!', true, 'Failure: f', 42, 'TypeError', 'Error'] });
  });
});

describe('ScriptSandbox: a realm after a failed run', () => {
  it('disposes the isolate of a run that timed out or ran out of memory, and the next run gets a fresh one', async () => {
    const sandbox = new ScriptSandbox({ maxIsolates: 1 });
    const run = (code: string, timeoutMs = 1000) => sandbox.run({ code, timeoutMs, memoryLimitMb: 16, globals: globalsA });
    try {
      expect(await run('return 1;')).toMatchObject({ ok: true });
      expect(await run('while (true) {}', 100)).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
      expect(sandbox.stats()).toMatchObject({ created: 1, retired: 1 });
      expect(await run('return 2;')).toMatchObject({ ok: true, value: 2 });
      expect(await run('const hoard = [];\nwhile (true) hoard.push(new Array(100000).fill(1.5));', 10_000)).toMatchObject({
        ok: false,
        error: { code: 'MEMORY_LIMIT' },
      });
      expect(await run('return [typeof hoard, 3];')).toMatchObject({ ok: true, value: ['undefined', 3] });
      expect(sandbox.stats()).toMatchObject({ created: 3, retired: 2 });
    } finally {
      await sandbox.close();
    }
  });
});
