import type { WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServer, type DataServer } from '../../e2e/data-server.js';
import { startHostileCluster, type HostileCluster } from './hostile-cluster.js';

let n = 0;
const script = (code: string, config: Record<string, unknown> = {}): WorkflowDefinitionInput => ({
  id: `script-${++n}`,
  name: 'hostile script',
  version: '1',
  steps: [{ id: 'run', type: 'script', config: { script: code, timeout: 3000, memoryLimit: 64, ...config } } as WorkflowDefinitionInput['steps'][number]],
});
const http = (path: string): WorkflowDefinitionInput => ({
  id: `http-${++n}`,
  name: 'hostile server',
  version: '1',
  steps: [{ id: 'run', type: 'http', config: { url: `{{ variables.api }}${path}` } }],
});

interface Case {
  name: string;
  definition: () => WorkflowDefinitionInput;
  /** The error code the step must fail with, or `ok` when it must succeed. */
  expect: string | RegExp;
  message?: RegExp;
}

const CASES: Case[] = [
  {
    name: 'a script that grows an object until V8 aborts',
    definition: () => script("const o = {}; for (let i = 0; ; i++) o['k' + i] = i;", { timeout: 60_000 }),
    expect: 'SANDBOX_CRASHED',
  },
  {
    name: 'WebAssembly memory grown far past the isolate limit',
    definition: () => script('const m = new WebAssembly.Memory({ initial: 1, maximum: 65536 }); m.grow(30000); return 1;'),
    expect: 'SCRIPT_ERROR',
    message: /WebAssembly is not defined/,
  },
  { name: 'an endless loop', definition: () => script('while (true) {}'), expect: 'TIMEOUT' },
  { name: 'an endless loop after an await', definition: () => script('await null;\nwhile (true) {}'), expect: 'TIMEOUT' },
  { name: 'a promise that never settles', definition: () => script('await new Promise(() => {});'), expect: 'TIMEOUT' },
  {
    name: 'an endless microtask chain',
    definition: () => script('const f = () => Promise.resolve().then(f);\nf();\nawait new Promise(() => {});'),
    expect: /^(TIMEOUT|MEMORY_LIMIT)$/,
  },
  {
    name: 'Atomics.wait on a buffer nobody notifies',
    definition: () => script('Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\nreturn 1;'),
    expect: 'TIMEOUT',
  },
  {
    name: 'a string doubled until it cannot grow',
    definition: () => script('let s = "x";\nfor (;;) s += s;'),
    expect: 'SCRIPT_ERROR',
    message: /Invalid string length/,
  },
  {
    name: 'array buffers past the memory limit',
    definition: () => script('const a = [];\nfor (;;) a.push(new ArrayBuffer(64 * 1024 * 1024));'),
    expect: /^(SCRIPT_ERROR|MEMORY_LIMIT)$/,
  },
  {
    name: 'arrays filling the heap',
    definition: () => script('const a = [];\nfor (;;) a.push(new Array(1e6).fill(1));'),
    expect: /^(MEMORY_LIMIT|SANDBOX_CRASHED)$/,
  },
  {
    name: 'unbounded recursion',
    definition: () => script('function f() { return f() + 1; }\nreturn f();'),
    expect: 'SCRIPT_ERROR',
    message: /Maximum call stack/,
  },
  {
    name: 'a sandbox escape through the Function constructor',
    definition: () => script('return this.constructor.constructor("return process")().env;'),
    expect: 'SCRIPT_ERROR',
    message: /process is not defined/,
  },
  {
    name: 'a sandbox escape through an async function constructor',
    definition: () => script('return (async function () {}).constructor("return process.env")();'),
    expect: 'SCRIPT_ERROR',
    message: /process is not defined/,
  },
  { name: 'require of a Node built-in', definition: () => script('return require("child_process").execSync("id").toString();'), expect: 'MODULE_NOT_ALLOWED' },
  {
    name: 'a dynamic import',
    definition: () => script('const fs = await import("fs");\nreturn fs.readFileSync("/etc/passwd", "utf8");'),
    expect: 'SCRIPT_ERROR',
  },
  {
    name: 'an output nested 5,000 deep',
    definition: () => script('let o = {};\nfor (let i = 0; i < 5000; i++) o = { a: o };\nreturn o;'),
    expect: 'OUTPUT_TOO_LARGE',
  },
  { name: 'an output of 15 MB', definition: () => script("return 'x'.repeat(15 * 1024 * 1024);", { memoryLimit: 256 }), expect: 'OUTPUT_TOO_LARGE' },
  {
    name: 'a variable nested 300 deep',
    definition: () => script('let o = {};\nfor (let i = 0; i < 300; i++) o = { a: o };\nsetVariable("deep", o);\nreturn 1;'),
    expect: 'OUTPUT_TOO_LARGE',
  },
  { name: 'a server answering JSON nested 100,000 deep', definition: () => http('/deep'), expect: 'OUTPUT_TOO_LARGE' },
  { name: 'a server answering 50 MB', definition: () => http('/huge'), expect: /^(NETWORK|OUTPUT_TOO_LARGE)$/ },
  {
    name: 'a million console lines (kept: 1,000 and a count of the rest)',
    definition: () => script('for (let i = 0; i < 1e6; i++) console.log("x".repeat(100));\nreturn 1;', { timeout: 20_000 }),
    expect: 'ok',
  },
];

describe('hostile scripts and servers fail their own step with a clear code; workers and coordinator serve on', () => {
  let hostile: HostileCluster;
  let api: DataServer;
  beforeAll(async () => {
    [hostile, api] = await Promise.all([
      startHostileCluster([['script'], ['http']]),
      startDataServer((req, res) => {
        if (req.url === '/deep') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('['.repeat(100_000) + ']'.repeat(100_000));
          return true;
        }
        if (req.url === '/huge') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ blob: 'x'.repeat(50 * 1024 * 1024) }));
          return true;
        }
        return false;
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([hostile?.stop(), api?.close()]);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, attack) => {
    const execution = await hostile.run(attack.definition(), { api: api.url }, 90_000);
    const step = execution.steps[0]!;
    if (attack.expect === 'ok') {
      expect(step.status).toBe('succeeded');
    } else {
      expect(step.status).toBe('failed');
      expect(step.error?.code).toMatch(attack.expect instanceof RegExp ? attack.expect : new RegExp(`^${attack.expect}$`));
      if (attack.message) expect(step.error?.message).toMatch(attack.message);
    }
    await hostile.expectServing();
  });

  it('a script run cannot change built-ins for the next one', async () => {
    const tamper = await hostile.run(script('Array.prototype.map = () => "owned";\nreturn 1;'));
    expect(tamper.steps[0]).toMatchObject({ status: 'failed', error: { code: 'SCRIPT_ERROR', message: expect.stringContaining('read only') } });
    const after = await hostile.run(script('return [1, 2].map((x) => x * 2);'));
    expect(after.steps[0]).toMatchObject({ status: 'succeeded' });
    expect(after.results['run']).toEqual([2, 4]);
  });

  it('four endless scripts hold the script slots only until they are cancelled', async () => {
    const ids = await Promise.all([1, 2, 3, 4].map(() => hostile.start(script('while (true) {}', { timeout: 300_000 }))));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await Promise.all(ids.map((id) => hostile.cluster.client.cancelExecution(id)));
    await hostile.expectServing(3_000);
  });
});
