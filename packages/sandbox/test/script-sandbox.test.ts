import { afterAll, describe, expect, it } from 'vitest';
import { ScriptSandbox, type ScriptGlobals, type ScriptRunInput } from '@agentic-flow/sandbox';

const globals: ScriptGlobals = {
  results: { fetch: { status: 200, body: { items: [1, 2, 3] } } },
  variables: { token: 'abc', count: 2 },
  input: { values: [1, 2, 3] },
  execution: { id: 'exec-1', workflowId: 'wf', workflowVersion: '1.0.0' },
};

const sandbox = new ScriptSandbox();
afterAll(() => sandbox.close());

function run(code: string, extra: Partial<ScriptRunInput> = {}) {
  return sandbox.run({ code, timeoutMs: 1000, memoryLimitMb: 32, globals, ...extra });
}

describe('ScriptSandbox: values', () => {
  it('returns the value of a top-level return, computed from the globals', async () => {
    const result = await run(
      'const n = results.fetch.body.items.length;\nreturn { n, token: variables.token, id: execution.id, sum: input.values.reduce((a, b) => a + b, 0) };',
    );
    expect(result).toEqual({ ok: true, value: { n: 3, token: 'abc', id: 'exec-1', sum: 6 }, variableUpdates: {}, logs: [] });
  });

  it("gives steps[id] (an http step's status and headers) as `steps`, a name the script may declare itself", async () => {
    const withSteps = { ...globals, steps: { fetch: { status: 201, headers: { etag: 'x' } } } };
    expect(await run('return [steps.fetch.status, steps["fetch"].headers.etag];', { globals: withSteps })).toMatchObject({ ok: true, value: [201, 'x'] });
    expect(await run('return steps;')).toMatchObject({ ok: true, value: {} });
    expect(await run('const steps = ["a", "b"];\nreturn steps.length;', { globals: withSteps })).toMatchObject({ ok: true, value: 2 });
  });

  it('supports top-level await', async () => {
    const result = await run('const a = await Promise.resolve(20);\nconst b = await new Promise((resolve) => resolve(22));\nreturn a + b;');
    expect(result).toMatchObject({ ok: true, value: 42 });
  });

  it('makes the output JSON-safe inside the isolate: Dates become ISO strings, undefined becomes null', async () => {
    const result = await run('return { at: new Date(0), gone: undefined, list: [undefined, 1], nested: { d: new Date(86400000) } };');
    expect(result).toMatchObject({ ok: true, value: { at: '1970-01-01T00:00:00.000Z', list: [null, 1], nested: { d: '1970-01-02T00:00:00.000Z' } } });
    expect(await run('const x = 1;')).toMatchObject({ ok: true, value: null });
    expect(await run('return undefined;')).toMatchObject({ ok: true, value: null });
  });

  it('gives each run deep copies of the globals', async () => {
    const first = await run('input.values.push(99);\nvariables.count = 100;\nreturn input.values.length;');
    expect(first).toMatchObject({ ok: true, value: 4 });
    expect(globals.input['values']).toEqual([1, 2, 3]);
    expect(await run('return [input.values.length, variables.count];')).toMatchObject({ ok: true, value: [3, 2] });
  });

  it('collects setVariable calls as JSON snapshots taken at the call', async () => {
    const result = await run(
      'const list = [1];\nsetVariable("list", list);\nlist.push(2);\nsetVariable("when", new Date(0));\nsetVariable("count", variables.count + 1);\nsetVariable("count", 10);\nreturn "done";',
    );
    expect(result).toEqual({ ok: true, value: 'done', variableUpdates: { list: [1], when: '1970-01-01T00:00:00.000Z', count: 10 }, logs: [] });
  });

  it('keeps a variable named __proto__ as a plain key', async () => {
    const result = await run('setVariable("__proto__", { polluted: true });\nreturn null;');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.variableUpdates)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(result.variableUpdates)).toBe(Object.prototype);
  });
});

describe('ScriptSandbox: isolation', () => {
  it('exposes no process, fetch, timers or real require', async () => {
    const result = await run(
      'return [typeof process, typeof fetch, typeof setTimeout, typeof Buffer, Function("return typeof process")(), typeof globalThis.__afRun, typeof __afSetup, typeof __afLog];',
    );
    expect(result).toMatchObject({ ok: true, value: Array(8).fill('undefined') });
    expect(await run('return require("fs");')).toMatchObject({ ok: false, error: { code: 'MODULE_NOT_ALLOWED' } });
  });

  it('keeps runs on the same isolate apart: the realm they share is frozen', async () => {
    const own = new ScriptSandbox({ maxIsolates: 1 });
    try {
      const input = {
        code: 'Function("leak = 1; Object.prototype.polluted = true; Array.prototype.map = null;")();\nreturn 1;',
        timeoutMs: 500,
        memoryLimitMb: 16,
        globals,
      };
      expect(await own.run(input)).toMatchObject({ ok: true });
      expect(await own.run({ ...input, code: 'globalThis.leak = 1;' })).toMatchObject({
        ok: false,
        error: { code: 'SCRIPT_ERROR', details: { name: 'TypeError' } },
      });
      const second = await own.run({ ...input, code: 'return [typeof leak, ({}).polluted === undefined, typeof [].map];' });
      expect(second).toMatchObject({ ok: true, value: ['undefined', true, 'function'] });
      expect(own.stats()).toMatchObject({ created: 1 });
    } finally {
      await own.close();
    }
  });

  it('runs concurrent scripts on separate isolates that cannot see each other', async () => {
    const code =
      'const mine = input.id;\nconst stored = Reflect.set(globalThis, "seen", mine);\nawait null;\nconst until = Date.now() + 30;\nwhile (Date.now() < until) {}\nreturn { mine, stored, seen: typeof globalThis.seen, v: variables.v };';
    const runs = Array.from({ length: 6 }, (_, id) => run(code, { globals: { ...globals, input: { id }, variables: { v: id * 10 } } }));
    const results = await Promise.all(runs);
    results.forEach((result, id) => expect(result).toMatchObject({ ok: true, value: { mine: id, stored: false, seen: 'undefined', v: id * 10 } }));
  });
});

describe('ScriptSandbox: console', () => {
  it('captures console calls with levels, timestamps and readable formatting', async () => {
    const before = Date.now();
    const result = await run(
      'console.log("hello", 42, { a: [1, { b: "x" }] });\nconsole.info(null, undefined, true);\nconsole.warn(new Map([["k", 1]]), new Set([1]));\nconsole.error(new Error("bad"));\nconsole.debug(function named() {}, new Date(0));\nconst c = {}; c.self = c;\nconsole.log(c);\nreturn 1;',
    );
    expect(result.ok).toBe(true);
    expect(result.logs.map(({ level, message }) => [level, message])).toEqual([
      ['info', 'hello 42 { a: [ 1, { b: "x" } ] }'],
      ['info', 'null undefined true'],
      ['warn', 'Map(1) { "k" => 1 } Set(1) { 1 }'],
      ['error', 'Error: bad\n    at script.js:4:15'],
      ['debug', '[Function: named] 1970-01-01T00:00:00.000Z'],
      ['info', '{ self: [Circular] }'],
    ]);
    for (const entry of result.logs) expect(entry.at).toBeGreaterThanOrEqual(before - 1000);
  });

  it('keeps the logs of a failed run', async () => {
    const result = await run('console.log("before");\nthrow new Error("after");');
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR' }, logs: [{ level: 'info', message: 'before' }] });
  });

  it('caps the number and length of log entries', async () => {
    const own = new ScriptSandbox({ maxLogEntries: 3, maxLogMessageLength: 10 });
    try {
      const result = await own.run({ code: 'for (let i = 0; i < 5; i++) console.log("x".repeat(15));', timeoutMs: 500, memoryLimitMb: 16, globals });
      expect(result.logs).toHaveLength(4);
      expect(result.logs[0]?.message).toBe('xxxxxxxxxx... (5 more characters)');
      expect(result.logs[3]).toMatchObject({ level: 'warn', message: '2 more console messages were dropped (limit: 3 per run)' });
    } finally {
      await own.close();
    }
  });
});
