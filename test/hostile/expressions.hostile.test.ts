import type { WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../e2e/rejection.js';
import { startHostileCluster, type HostileCluster } from './hostile-cluster.js';

let n = 0;
const wf = (steps: WorkflowDefinitionInput['steps']): WorkflowDefinitionInput => ({ id: `hostile-${++n}`, name: 'hostile', version: '1', steps });
const condition = (id: string, expression: string, trueStep?: string) => ({
  id,
  type: 'condition' as const,
  config: { condition: expression, ...(trueStep ? { trueStep } : {}) },
});
const script = (id: string, body: string, next: string[] = []) => ({ id, type: 'script' as const, config: { script: body }, next });
const spin = (ms: number) => `(() => { const end = Date.now() + ${ms}; while (Date.now() < end) {} return true; })()`;

/** The error of the first failed step run of an execution. */
const failure = (execution: { steps: { status: string; error?: { code: string; message: string } | null }[] }) =>
  execution.steps.find((s) => s.status === 'failed')?.error;

describe('hostile expressions cannot take the coordinator down or hold up other executions', () => {
  let hostile: HostileCluster;
  beforeAll(async () => {
    // A generous expression time limit, so a memory bomb reaches the isolate's limit (and kills its process) before it.
    hostile = await startHostileCluster([['script']], { coordinator: { MAX_EXECUTION_STATE_BYTES: String(3 * 1024 * 1024), EXPRESSION_TIMEOUT_MS: '10000' } });
  });
  afterAll(async () => {
    await hostile?.stop();
  });

  it('a condition that grows an object until V8 aborts fails SANDBOX_CRASHED; the coordinator serves on', async () => {
    const execution = await hostile.run(
      wf([script('first', 'return 1;', ['bomb']), condition('bomb', "(() => { const o = {}; for (let i = 0; ; i++) o['k' + i] = i; })()")]),
    );
    expect(execution.status).toBe('failed');
    expect(failure(execution)).toMatchObject({ code: 'SANDBOX_CRASHED' });
    await hostile.expectServing();
  });

  it('a condition cannot reach WebAssembly, whose memory no isolate limit counts', async () => {
    const execution = await hostile.run(wf([condition('wasm', 'new WebAssembly.Memory({ initial: 1, maximum: 65536 }).grow(60000) > 0')]));
    expect(failure(execution)).toMatchObject({ code: 'EXPRESSION_ERROR', message: expect.stringContaining('WebAssembly is not defined') });
    await hostile.expectServing();
  });

  it('thirty conditions spinning 950 ms each delay only their own execution', async () => {
    const branches = Array.from({ length: 30 }, (_, i) => condition(`slow${i}`, spin(950)));
    const slow = await hostile.start(wf([{ id: 'fan', type: 'parallel', config: { steps: branches.map((b) => b.id) } }, ...branches]));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Two canaries while the slow expressions run: each takes well under one of those expressions' time.
    expect(await hostile.canary(2_000)).toBeLessThan(2_000);
    expect(await hostile.canary(2_000)).toBeLessThan(2_000);
    // Cancelling drops its expressions still waiting in the sandbox, and stops the running one.
    await hostile.cluster.client.cancelExecution(slow);
    expect((await hostile.cluster.client.getExecution(slow)).status).toBe('cancelled');
    await hostile.expectServing();
  });

  it('a catastrophically backtracking regular expression times out (TIMEOUT at EXPRESSION_TIMEOUT_MS)', async () => {
    const execution = await hostile.run(wf([condition('redos', '/^(a+)+$/.test("a".repeat(40) + "b")')]));
    expect(failure(execution)).toMatchObject({ code: 'TIMEOUT' });
    await hostile.expectServing();
  });

  it('an endless microtask chain times out; a promise is not a condition', async () => {
    const chain = await hostile.run(wf([condition('micro', '(() => { const f = () => Promise.resolve().then(f); f(); return true; })()')]));
    expect(failure(chain)?.code).toMatch(/^(TIMEOUT|EXPRESSION_ERROR)$/);
    const promise = await hostile.run(wf([condition('async', 'Promise.resolve(true)')]));
    expect(failure(promise)).toMatchObject({ code: 'EXPRESSION_ERROR', message: expect.stringContaining('Promise') });
    await hostile.expectServing();
  });

  it('an expression cannot pollute built-ins for later expressions', async () => {
    // Conditions are sloppy code: writing to a frozen built-in fails silently, and strict code throws.
    const execution = await hostile.run(
      wf([
        condition('pollute', '(Object.prototype.polluted = 1, Array.prototype.map = null, true)', 'strict'),
        condition('strict', '(() => { "use strict"; Object.prototype.polluted = 1; return true; })()', 'never'),
        script('never', 'return 1;'),
      ]),
    );
    expect(failure(execution)).toMatchObject({ code: 'EXPRESSION_ERROR', message: expect.stringContaining('not extensible') });
    const clean = await hostile.run(
      wf([condition('check', '({}).polluted === undefined && typeof [].map === "function"', 'yes'), script('yes', 'return "clean";')]),
    );
    expect(clean.results['yes']).toBe('clean');
  });

  it('a loop whose break condition exhausts its memory fails SANDBOX_CRASHED', async () => {
    const execution = await hostile.run(
      wf([
        {
          id: 'loop',
          type: 'loop',
          config: { loopStep: 'body', maxIterations: 5, breakCondition: "(() => { let s = []; for (;;) s.push(new Array(1e6).fill('x')); })()" },
        },
        script('body', 'return loop.iteration;'),
      ]),
    );
    expect(failure(execution)?.code).toMatch(/^(SANDBOX_CRASHED|EXPRESSION_ERROR)$/);
    await hostile.expectServing();
  });

  it('a chain of 10,000 conditions starts at once and completes, while other executions run', async () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => condition(`c${i}`, `variables.n > ${i % 7}`, i + 1 < 10_000 ? `c${i + 1}` : undefined));
    const definition = wf(chain);
    await hostile.cluster.client.createWorkflow(definition);
    const started = Date.now();
    const id = await hostile.cluster.client.executeWorkflow(definition.id, { n: 100 });
    expect(Date.now() - started, 'starting does not wait for the whole chain').toBeLessThan(5_000);
    await hostile.canary();
    const done = await hostile.cluster.client.waitForCompletion(id, { timeoutMs: 60_000, pollIntervalMs: 200 });
    expect(done.status).toBe('completed');
    await hostile.expectServing();
  });

  it('registering a 10,000-step definition keeps the coordinator answering', async () => {
    const steps = Array.from({ length: 10_000 }, (_, i) => condition(`c${i}`, `variables.n > ${i}`, i + 1 < 10_000 ? `c${i + 1}` : undefined));
    let slowest = 0;
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const t = Date.now();
        await fetch(`${hostile.cluster.coordinator.url}/healthz`);
        slowest = Math.max(slowest, Date.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const outcome = await hostile.cluster.client.createWorkflow(wf(steps));
    probing = false;
    await probe;
    expect(outcome.created).toBe(true);
    // Validation runs on a worker thread: the event loop keeps answering (a generous bound for a busy 2-core machine).
    expect(slowest).toBeLessThan(1_000);
    await hostile.expectServing();
  });

  it('refuses, with a 400 and the path, an expression nested too deeply to parse', async () => {
    const error = await rejection(hostile.cluster.client.createWorkflow(wf([condition('deep', `${'!'.repeat(200_000)}true`)])));
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', problems: [expect.objectContaining({ path: '$.steps[0].config.condition' })] });
    await hostile.expectServing();
  });

  it('refuses definitions asking more than the operator caps, naming the cap', async () => {
    const timeout = await rejection(
      hostile.cluster.client.createWorkflow(wf([{ id: 's', type: 'script', config: { script: 'while(true){}', timeout: 2_147_483_647 } }])),
    );
    expect(timeout).toMatchObject({
      status: 400,
      problems: [{ path: '$.steps[0].config.timeout', message: expect.stringContaining('SCRIPT_MAX_TIMEOUT_MS') }],
    });
    const memory = await rejection(hostile.cluster.client.createWorkflow(wf([{ id: 's', type: 'script', config: { script: 'return 1', memoryLimit: 4096 } }])));
    expect(memory).toMatchObject({
      status: 400,
      problems: [{ path: '$.steps[0].config.memoryLimit', message: expect.stringContaining('SCRIPT_MAX_MEMORY_MB') }],
    });
  });

  it('refuses parallel steps nested deeper than 32 levels', async () => {
    const steps = Array.from({ length: 40 }, (_, i) => ({ id: `p${i}`, type: 'parallel' as const, config: { steps: [i + 1 < 40 ? `p${i + 1}` : 'leaf'] } }));
    const error = await rejection(hostile.cluster.client.createWorkflow(wf([...steps, script('leaf', 'return 1;')])));
    expect(error).toMatchObject({ status: 400, problems: [{ message: expect.stringContaining('at most 32') }] });
  });

  it('fails the step whose output would make the execution state larger than MAX_EXECUTION_STATE_BYTES', async () => {
    const big = (id: string, next: string[] = []) => script(id, 'return "x".repeat(900 * 1024);', next);
    const execution = await hostile.run(wf([big('a', ['b']), big('b', ['c']), big('c', ['d']), big('d')]));
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatchObject({ code: 'OUTPUT_TOO_LARGE', stepId: 'd' });
    expect(failure(execution)).toMatchObject({ code: 'OUTPUT_TOO_LARGE', message: expect.stringContaining('MAX_EXECUTION_STATE_BYTES') });
    await hostile.expectServing();
  });
});
