import { afterAll, describe, expect, it } from 'vitest';
import { ProcessScriptSandbox, type ScriptRunInput } from '@agentic-flow/sandbox';

/** Process sandboxes run the built host (`dist/process/host-main.js`): `pnpm run build` first. */
const globals = { results: { a: 1 }, variables: {}, input: { n: 2 }, execution: { id: 'e' } };
const sandbox = new ProcessScriptSandbox({ processes: 2 });
afterAll(() => sandbox.close());

function run(code: string, extra: Partial<ScriptRunInput> = {}) {
  return sandbox.run({ code, timeoutMs: 2000, memoryLimitMb: 64, globals, ...extra });
}

const MEMORY_BOMB = 'const o = {};\nfor (let i = 0; ; i++) o["k" + i] = i;';

describe('ProcessScriptSandbox', () => {
  it('runs scripts with their globals, logs and variable updates', async () => {
    expect(await run('console.log("n is", input.n);\nsetVariable("x", results.a + input.n);\nreturn { sum: results.a + input.n };')).toMatchObject({
      ok: true,
      value: { sum: 3 },
      variableUpdates: { x: 3 },
      logs: [{ level: 'info', message: 'n is 2' }],
    });
  });

  it('contains a script that makes V8 abort: SANDBOX_CRASHED, and the next script runs in a fresh process', async () => {
    const before = sandbox.stats();
    const crashed = await run(MEMORY_BOMB, { timeoutMs: 30_000, memoryLimitMb: 64 });
    expect(crashed).toMatchObject({ ok: false, error: { code: 'SANDBOX_CRASHED', details: { signal: 'SIGABRT', reason: 'out of memory' } } });
    expect(await run('return 42')).toMatchObject({ ok: true, value: 42 });
    expect(sandbox.stats().crashed).toBe(before.crashed + 1);
    expect(sandbox.stats().processes).toBe(2);
  });

  it('keeps the other process serving while one crashes', async () => {
    const [slow, crashed] = await Promise.all([
      run('let s = 0; for (let i = 0; i < 3e7; i++) s += i; return s > 0;', { timeoutMs: 20_000 }),
      run(MEMORY_BOMB, { timeoutMs: 30_000 }),
    ]);
    expect(slow).toMatchObject({ ok: true, value: true });
    expect(crashed).toMatchObject({ ok: false, error: { code: 'SANDBOX_CRASHED' } });
  });

  it('offers no WebAssembly, whose memory the isolate limit would not count', async () => {
    expect(await run('return typeof WebAssembly;')).toMatchObject({ ok: true, value: 'undefined' });
    expect(await run('return new WebAssembly.Memory({ initial: 1, maximum: 65536 });')).toMatchObject({
      ok: false,
      error: { code: 'SCRIPT_ERROR', message: 'WebAssembly is not defined' },
    });
  });

  it('stops a busy script within a second of its cancellation', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    const result = await run('while (true) {}', { timeoutMs: 2_000_000_000, signal: controller.signal });
    expect(result).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(Date.now() - started).toBeLessThan(1200);
    expect(await run('return "still serving"')).toMatchObject({ ok: true, value: 'still serving' });
  });

  it('ends at once a script whose promise can never settle (nothing in an isolate could resolve it later)', async () => {
    const started = Date.now();
    expect(await run('await new Promise(() => {});', { timeoutMs: 60_000 })).toMatchObject({
      ok: false,
      error: { code: 'TIMEOUT', message: expect.stringContaining('can never') },
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('ends a script at its timeout, and refuses outputs over the limits', async () => {
    expect(await run('while (true) {}', { timeoutMs: 300 })).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    expect(await run('return "x".repeat(2 * 1024 * 1024);')).toMatchObject({ ok: false, error: { code: 'OUTPUT_TOO_LARGE' } });
    expect(await run('let o = {}; for (let i = 0; i < 5000; i++) o = { a: o };\nreturn o;')).toMatchObject({ ok: false, error: { code: 'OUTPUT_TOO_LARGE' } });
  });

  it('gives the script nothing of the parent process: no environment, no require of Node modules', async () => {
    expect(await run('return [typeof process, typeof require === "function" ? "require" : "none"];')).toMatchObject({
      ok: true,
      value: ['undefined', 'require'],
    });
    expect(await run('return require("fs");')).toMatchObject({ ok: false, error: { code: 'MODULE_NOT_ALLOWED' } });
  });
});

describe('ProcessScriptSandbox: a process that stops answering', () => {
  it('kills it at the run deadline and reports TIMEOUT', async () => {
    const silent = new ProcessScriptSandbox({ processes: 1, entry: new URL('./fixtures/silent-host.mjs', import.meta.url).pathname });
    try {
      const started = Date.now();
      expect(await silent.run({ code: 'return 1', timeoutMs: 100, memoryLimitMb: 16, globals })).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      await silent.close();
    }
  });

  it('fails runs with SANDBOX_CRASHED when no process can start', async () => {
    const broken = new ProcessScriptSandbox({ processes: 1, entry: new URL('./fixtures/broken-host.mjs', import.meta.url).pathname });
    try {
      expect(await broken.run({ code: 'return 1', timeoutMs: 100, memoryLimitMb: 16, globals })).toMatchObject({
        ok: false,
        error: { code: 'SANDBOX_CRASHED', message: expect.stringContaining('fail to start') },
      });
    } finally {
      await broken.close();
    }
  });
});
