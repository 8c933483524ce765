import { afterAll, describe, expect, it } from 'vitest';
import { ScriptSandbox, type ScriptRunInput } from '@agentic-flow/sandbox';

const globals = { results: {}, variables: {}, input: {}, execution: {} };
const sandbox = new ScriptSandbox();
afterAll(() => sandbox.close());

function run(code: string, extra: Partial<ScriptRunInput> = {}) {
  return sandbox.run({ code, timeoutMs: 1000, memoryLimitMb: 32, globals, ...extra });
}

describe('ScriptSandbox: script errors', () => {
  it('reports a throw with its message and the line and column in the user code', async () => {
    const result = await run('const a = 1;\nconst b = a + 1;\nthrow new RangeError("boom " + b);');
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'boom 2', details: { name: 'RangeError', line: 3, column: 7 } } });
    if (result.ok) return;
    expect(result.error.details?.['stack']).toBe('RangeError: boom 2\n    at script.js:3:7');
  });

  it('reports the line of a runtime TypeError after an await and inside a nested function', async () => {
    const result = await run('await null;\nfunction f(o) {\n  return o.missing.field;\n}\nreturn f({});');
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', details: { line: 3 } } });
    if (result.ok) return;
    expect(result.error.message).toMatch(/Cannot read properties of undefined/);
  });

  it('reports syntax errors with the user line, and an unclosed block at the end of the code', async () => {
    expect(await run('const a = 1;\nconst b = ;')).toMatchObject({
      ok: false,
      error: { code: 'SCRIPT_ERROR', message: "Unexpected token ';'", details: { name: 'SyntaxError', line: 2, column: 11 } },
    });
    expect(await run('if (true) {\n  return 1;')).toMatchObject({
      ok: false,
      error: { code: 'SCRIPT_ERROR', message: 'Unexpected end of input', details: { line: 2, column: 12 } },
    });
  });

  it('reports a thrown non-Error value as the message', async () => {
    expect(await run('throw "plain string";')).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'plain string' } });
    expect(await run('throw { reason: 42 };')).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: '{ reason: 42 }' } });
  });

  it('rejects outputs that are not JSON (functions, cycles, BigInt) or over the size and nesting limits', async () => {
    expect(await run('return () => 1;')).toMatchObject({
      ok: false,
      error: { code: 'OUTPUT_NOT_SERIALIZABLE', message: 'the returned value is not JSON-serializable (a function)' },
    });
    const cyclic = await run('const a = { name: "a" };\na.self = a;\nreturn a;');
    expect(cyclic).toMatchObject({ ok: false, error: { code: 'OUTPUT_NOT_SERIALIZABLE' } });
    if (!cyclic.ok) expect(cyclic.error.message).toMatch(/circular structure/);
    expect(await run('return 10n;')).toMatchObject({ ok: false, error: { code: 'OUTPUT_NOT_SERIALIZABLE' } });
    const small = new ScriptSandbox({ maxOutputBytes: 1000 });
    try {
      const big = await small.run({ code: 'return "x".repeat(2000);', timeoutMs: 500, memoryLimitMb: 16, globals });
      expect(big).toMatchObject({ ok: false, error: { code: 'OUTPUT_TOO_LARGE' } });
      // Multi-byte characters pass the isolate's character count but not the host's byte count.
      const wide = await small.run({ code: 'return "é".repeat(600);', timeoutMs: 500, memoryLimitMb: 16, globals });
      expect(wide).toMatchObject({ ok: false, error: { code: 'OUTPUT_TOO_LARGE', message: expect.stringContaining('1202 bytes') } });
    } finally {
      await small.close();
    }
    // Too deep to serialize again safely (the worker's report, the coordinator's write): refused by nesting.
    const deep = await run('let o = {}; for (let i = 0; i < 201; i++) o = { a: o };\nreturn o;');
    expect(deep).toMatchObject({ ok: false, error: { code: 'OUTPUT_TOO_LARGE', message: 'the output nests deeper than 200 levels' } });
    expect(await run('let o = [1]; for (let i = 0; i < 199; i++) o = [o];\nreturn o;')).toMatchObject({ ok: true });
    // Deeper than the isolate's stack can serialize: refused inside the isolate, with the same code.
    expect(await run('let o = {}; for (let i = 0; i < 100000; i++) o = { a: o };\nreturn o;', { memoryLimitMb: 64 })).toMatchObject({
      ok: false,
      error: { code: 'OUTPUT_TOO_LARGE', message: expect.stringMatching(/too large or nests too deeply/) },
    });
    expect(await run('let o = {}; for (let i = 0; i < 300; i++) o = { a: o };\nsetVariable("deep", o);\nreturn 1;')).toMatchObject({
      ok: false,
      error: { code: 'OUTPUT_TOO_LARGE', message: 'variable "deep" nests deeper than 200 levels' },
    });
  });

  it('rejects a variable that is not JSON at the setVariable call, with its line', async () => {
    const result = await run('const o = {};\no.o = o;\nsetVariable("loop", o);\nreturn 1;');
    expect(result).toMatchObject({ ok: false, error: { code: 'OUTPUT_NOT_SERIALIZABLE', details: { line: 3 } } });
    expect(await run('setVariable("", 1);')).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR' } });
  });
});

describe('ScriptSandbox: hostile scripts', () => {
  it('refuses to let the script replace the built-ins the sandbox uses, and keeps working', async () => {
    expect(await run('console.log("before");\nJSON.stringify = null;')).toMatchObject({
      ok: false,
      error: {
        code: 'SCRIPT_ERROR',
        message: "Cannot assign to read only property 'stringify' of object '[object JSON]'",
        details: { name: 'TypeError', line: 2 },
      },
      logs: [{ message: 'before' }],
    });
    // Sloppy code fails silently where strict code throws; either way the built-ins stay as they were.
    expect(
      await run('Function("JSON.stringify = null; JSON.parse = null; Date.now = null; Error = null;")();\nconsole.log("still logs");\nreturn { a: 1 };'),
    ).toMatchObject({
      ok: true,
      value: { a: 1 },
      logs: [{ message: 'still logs' }],
    });
    expect(await run('Function("Error = null")();\nthrow new TypeError("typed");')).toMatchObject({
      ok: false,
      error: { code: 'SCRIPT_ERROR', message: 'typed', details: { line: 2 } },
    });
  });

  it('reports sabotage of the runtime as a script error, never as a sandbox failure', async () => {
    const result = await run('Object.defineProperty(Map.prototype, Symbol.iterator, { value() { throw new Error("no"); } });\nreturn 1;');
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'SCRIPT_ERROR', message: 'Cannot redefine property: Symbol(Symbol.iterator)', details: { line: 1 } },
      logs: [],
    });
    const proxy = await run('throw new Proxy({}, { get() { throw new Error("trap"); }, getPrototypeOf() { throw new Error("trap"); } });');
    expect(proxy).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'the script threw a value that cannot be described' } });
  });
});

describe('ScriptSandbox: limits', () => {
  it('ends a synchronous infinite loop at the timeout and retires the isolate', async () => {
    const own = new ScriptSandbox();
    try {
      const started = Date.now();
      const result = await own.run({ code: 'while (true) {}', timeoutMs: 200, memoryLimitMb: 16, globals });
      expect(result).toEqual({ ok: false, error: { code: 'TIMEOUT', message: 'script exceeded its 200 ms timeout' }, logs: [] });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(own.stats()).toMatchObject({ retired: 1, leased: 0 });
      expect(await own.run({ code: 'return "alive";', timeoutMs: 200, memoryLimitMb: 16, globals })).toMatchObject({ ok: true, value: 'alive' });
    } finally {
      await own.close();
    }
  });

  it('ends a promise that never settles, and an endless microtask chain, at the timeout', async () => {
    const started = Date.now();
    const never = await run('console.log("waiting");\nawait new Promise(() => {});', { timeoutMs: 200 });
    expect(never).toEqual({
      ok: false,
      error: { code: 'TIMEOUT', message: 'script exceeded its 200 ms timeout' },
      logs: [expect.objectContaining({ message: 'waiting' })],
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await run('for (;;) await null;', { timeoutMs: 200 })).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    expect(await run('await null;\nwhile (true) {}', { timeoutMs: 200 })).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
  });

  it('reports running out of memory as MEMORY_LIMIT, then serves the next run', async () => {
    const own = new ScriptSandbox();
    try {
      const input = { timeoutMs: 10_000, memoryLimitMb: 16, globals };
      const result = await own.run({ ...input, code: 'const hoard = [];\nwhile (true) hoard.push(new Array(100000).fill(1.5));' });
      expect(result).toEqual({ ok: false, error: { code: 'MEMORY_LIMIT', message: 'script exceeded its 16 MiB memory limit' }, logs: [] });
      expect(await own.run({ ...input, code: 'return [1, 2, 3].map((x) => x * 2);' })).toMatchObject({ ok: true, value: [2, 4, 6] });
      expect(own.stats()).toMatchObject({ created: 2, retired: 1 });
    } finally {
      await own.close();
    }
  });

  it('cancels a running script when the signal aborts, and does not start an aborted one', async () => {
    const controller = new AbortController();
    const pending = run('while (true) {}', { timeoutMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(await run('return 1;', { signal: AbortSignal.abort() })).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });

  it('queues runs beyond maxIsolates and lets a queued run be cancelled', async () => {
    const own = new ScriptSandbox({ maxIsolates: 1 });
    try {
      const busy = own.run({
        code: 'const until = Date.now() + 150;\nwhile (Date.now() < until) {}\nreturn "first";',
        timeoutMs: 1000,
        memoryLimitMb: 16,
        globals,
      });
      const queued = own.run({ code: 'return "second";', timeoutMs: 1000, memoryLimitMb: 16, globals });
      const controller = new AbortController();
      const cancelled = own.run({ code: 'return "third";', timeoutMs: 1000, memoryLimitMb: 16, globals, signal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(own.stats()).toMatchObject({ leased: 1, waiting: 2 });
      controller.abort();
      expect(await cancelled).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
      expect(await busy).toMatchObject({ ok: true, value: 'first' });
      expect(await queued).toMatchObject({ ok: true, value: 'second' });
    } finally {
      await own.close();
    }
  });

  it('ends running scripts as CANCELLED on close, and refuses runs afterwards', async () => {
    const own = new ScriptSandbox();
    const pending = own.run({ code: 'await new Promise(() => {});', timeoutMs: 10_000, memoryLimitMb: 16, globals });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await own.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'CANCELLED', message: 'the sandbox was closed while the script ran' } });
    await expect(own.run({ code: 'return 1;', timeoutMs: 100, memoryLimitMb: 16, globals })).rejects.toThrow('script sandbox is closed');
  });

  it('rejects nonsensical limits as a caller error', async () => {
    await expect(run('return 1;', { timeoutMs: 0 })).rejects.toThrow(RangeError);
    await expect(run('return 1;', { memoryLimitMb: 4 })).rejects.toThrow(RangeError);
  });
});
