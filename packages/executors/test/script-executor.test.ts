import { afterAll, describe, expect, it } from 'vitest';
import { SCRIPT_EXECUTOR_TRAITS, createScriptExecutor, type LogLevel, type StepExecutionInput, type StepRuntime } from '@agentic-flow/executors';
import { ScriptSandbox, type ScriptRunInput, type ScriptRunResult, type ScriptRunner } from '@agentic-flow/sandbox';

function job(config: unknown): StepExecutionInput<never> {
  return {
    stepRunId: 'run-1',
    stepId: 'transform',
    stepType: 'script',
    executionId: 'exec-1',
    attempt: 1,
    config: config as never,
    context: {
      results: { fetch: { items: [3, 1, 2] } },
      variables: { factor: 10 },
      input: { name: 'ada' },
      execution: { id: 'exec-1', workflowId: 'wf', workflowVersion: '1.0.0' },
    },
  };
}

function runtime(signal: AbortSignal = new AbortController().signal): StepRuntime & { logs: Array<[LogLevel, string]> } {
  const logs: Array<[LogLevel, string]> = [];
  return { signal, logs, log: (level, message) => logs.push([level, message]) };
}

const executor = createScriptExecutor({ modules: { shout: 'module.exports = (s) => s.toUpperCase() + "!";' } });
afterAll(() => executor.close?.());

describe('script executor', () => {
  it('is the script step type', () => {
    expect(executor.type).toBe('script');
  });

  it('runs the script over the step context and returns output, variable updates and logs', async () => {
    const rt = runtime();
    const outcome = await executor.execute(
      job({
        script:
          'const sorted = [...results.fetch.items].sort();\nconsole.log("sorted", sorted);\nconsole.warn("careful");\nsetVariable("total", sorted.length * variables.factor);\nreturn { sorted, who: input.name, execution: execution.id };',
      }),
      rt,
    );
    expect(outcome).toEqual({ ok: true, output: { sorted: [1, 2, 3], who: 'ada', execution: 'exec-1' }, variableUpdates: { total: 30 } });
    expect(rt.logs).toEqual([
      ['info', 'sorted [ 1, 2, 3 ]'],
      ['warn', 'careful'],
    ]);
  });

  it('sees loop.iteration inside a loop body, and no loop outside one', async () => {
    const inLoop = job({ script: 'return typeof loop === "undefined" ? "none" : loop.iteration;' });
    expect(await executor.execute({ ...inLoop, context: { ...inLoop.context, loop: { iteration: 4 } } }, runtime())).toMatchObject({ ok: true, output: 4 });
    expect(await executor.execute(inLoop, runtime())).toMatchObject({ ok: true, output: 'none' });
  });

  it('gives a script the facts of its run by name: startTime, executionId, stepId, attempt', async () => {
    const started = Date.now() - 250;
    const script = 'return { startTime, executionId, stepId, attempt, elapsed: Date.now() - startTime };';
    const outcome = await executor.execute({ ...job({ script }), attempt: 3, startTime: started }, runtime());
    expect(outcome).toMatchObject({ ok: true, output: { startTime: started, executionId: 'exec-1', stepId: 'transform', attempt: 3 } });
    expect((outcome as { output: { elapsed: number } }).output.elapsed).toBeGreaterThanOrEqual(250);
    // Without a start time from the worker, it is when the executor started the step.
    const before = Date.now();
    const own = await executor.execute(job({ script: 'return startTime;' }), runtime());
    expect((own as { output: number }).output).toBeGreaterThanOrEqual(before);
    // A script declaring its own variable of one of these names still compiles, and sees its own.
    expect(
      await executor.execute(job({ script: 'const startTime = 5;\nlet attempt = 0;\nattempt++;\nreturn [startTime, attempt];' }), runtime()),
    ).toMatchObject({ ok: true, output: [5, 1] });
  });

  it('gives a script the secrets it lists, frozen, and no other', async () => {
    const held: Record<string, string> = { TOKEN: 'tok-123', OTHER: 'other-456' };
    const rt = { ...runtime(), secret: (name: string) => held[name] };
    const outcome = await executor.execute(
      job({
        script:
          'const frozen = Object.isFrozen(secrets); try { secrets.TOKEN = "x"; } catch (e) {} return { token: secrets.TOKEN, other: secrets.OTHER ?? null, keys: Object.keys(secrets), frozen };',
        secrets: ['TOKEN'],
      }),
      rt,
    );
    expect(outcome).toMatchObject({ ok: true, output: { token: 'tok-123', other: null, keys: ['TOKEN'], frozen: true } });
    // A step that lists none sees an empty, frozen object.
    const none = await executor.execute(job({ script: 'return { keys: Object.keys(secrets), frozen: Object.isFrozen(secrets) };' }), rt);
    expect(none).toMatchObject({ ok: true, output: { keys: [], frozen: true } });
  });

  it('fails with TEMPLATE, without running, a script listing a secret the worker does not hold', async () => {
    const outcome = await executor.execute(job({ script: 'throw new Error("ran")', secrets: ['MISSING'] }), { ...runtime(), secret: () => undefined });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'TEMPLATE', details: { secret: 'MISSING' } } });
  });

  it('requires allowed modules: lodash and operator modules', async () => {
    const outcome = await executor.execute(
      job({ script: 'const _ = require("lodash");\nreturn require("shout")(_.capitalize(input.name));', allowedModules: ['lodash', 'shout'] }),
      runtime(),
    );
    expect(outcome).toEqual({ ok: true, output: 'ADA!', variableUpdates: {} });
  });

  it('reports invalid configs with the offending fields, without running anything', async () => {
    const rt = runtime();
    const outcome = await executor.execute(job({ script: '', timeout: -5, memoryLimit: 4, allowedModules: 'lodash' }), rt);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe('INVALID_CONFIG');
    for (const field of ['config.script', 'config.timeout', 'config.memoryLimit', 'config.allowedModules']) expect(outcome.error.message).toContain(field);
    expect(outcome.error.details?.['issues']).toEqual(expect.arrayContaining([{ path: 'config.script', message: 'must not be empty' }]));
    expect(rt.logs).toEqual([]);
    expect(await executor.execute(job({ script: 'return 1', language: 'python' }), rt)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_CONFIG', message: expect.stringContaining('config.language') },
    });
    expect(await executor.execute(job({ script: 'return 1', unknownOption: true }), rt)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_CONFIG', message: expect.stringContaining('unknownOption') },
    });
    expect(await executor.execute(job(undefined), rt)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_CONFIG', message: expect.stringContaining('config:') },
    });
  });

  it('turns script failures into step errors with their codes and details', async () => {
    const thrown = await executor.execute(job({ script: 'const a = 1;\n\nthrow new Error("nope");' }), runtime());
    expect(thrown).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'nope', details: { line: 3 } } });
    expect(await executor.execute(job({ script: 'while (true) {}', timeout: 100 }), runtime())).toEqual({
      ok: false,
      error: { code: 'TIMEOUT', message: 'script exceeded its 100 ms timeout' },
    });
    expect(await executor.execute(job({ script: 'return require("lodash");' }), runtime())).toMatchObject({ ok: false, error: { code: 'MODULE_NOT_ALLOWED' } });
    expect(await executor.execute(job({ script: 'return 1;', allowedModules: ['left-pad'] }), runtime())).toMatchObject({
      ok: false,
      error: { code: 'MODULE_NOT_ALLOWED', details: { modules: ['left-pad'] } },
    });
    expect(await executor.execute(job({ script: 'return () => 1;' }), runtime())).toMatchObject({ ok: false, error: { code: 'OUTPUT_NOT_SERIALIZABLE' } });
    const oom = await executor.execute(job({ script: 'const a = [];\nwhile (true) a.push(new Array(100000).fill(1.5));', memoryLimit: 16 }), runtime());
    expect(oom).toEqual({ ok: false, error: { code: 'MEMORY_LIMIT', message: 'script exceeded its 16 MiB memory limit' } });
  });

  it('forwards the logs of a failed script too', async () => {
    const rt = runtime();
    await executor.execute(job({ script: 'console.error("about to fail");\nthrow new Error("x");' }), rt);
    expect(rt.logs).toEqual([['error', 'about to fail']]);
  });

  it('stops the script when the runtime signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = executor.execute(job({ script: 'await new Promise(() => {});', timeout: 10_000 }), runtime(controller.signal));
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await executor.execute(job({ script: 'return 1;' }), runtime(AbortSignal.abort()))).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });

  it('closes the sandbox it created, but not one it was given', async () => {
    const own = createScriptExecutor();
    await own.close?.();
    await expect(own.execute(job({ script: 'return 1;' }), runtime())).rejects.toThrow('closed');

    const shared = new ScriptSandbox();
    try {
      const borrowing = createScriptExecutor({ sandbox: shared });
      await borrowing.close?.();
      expect(await borrowing.execute(job({ script: 'return 2;' }), runtime())).toEqual({ ok: true, output: 2, variableUpdates: {} });
      expect(() => createScriptExecutor({ sandbox: shared, modules: {} })).toThrow(TypeError);
    } finally {
      await shared.close();
    }
  });

  it('runs a script asking for more than the operator’s caps with the caps, and warns in the step’s logs', async () => {
    const runs: ScriptRunInput[] = [];
    const runner: ScriptRunner = {
      run: async (input): Promise<ScriptRunResult> => {
        runs.push(input);
        return { ok: true, value: null, variableUpdates: {}, logs: [] };
      },
      close: async () => undefined,
    };
    const capped = createScriptExecutor({ sandbox: runner, maxTimeoutMs: 1000, maxMemoryLimitMb: 32 });
    const rt = runtime();
    await capped.execute(job({ script: 'return 1;', timeout: 2147483647, memoryLimit: 4096 }), rt);
    expect(runs[0]).toMatchObject({ timeoutMs: 1000, memoryLimitMb: 32 });
    expect(rt.logs).toEqual([
      ['warn', 'the script asks for a timeout of 2147483647 ms; this worker allows at most 1000 ms, so it runs with 1000 ms'],
      ['warn', 'the script asks for a memory limit of 4096 MiB; this worker allows at most 32 MiB, so it runs with 32 MiB'],
    ]);

    const within = runtime();
    await capped.execute(job({ script: 'return 1;', timeout: 1000, memoryLimit: 16 }), within);
    expect(runs[1]).toMatchObject({ timeoutMs: 1000, memoryLimitMb: 16 });
    expect(within.logs).toEqual([]);
  });
});

describe('the script type, as the worker sees it', () => {
  it('runs about one script per core, and has no target for a circuit breaker', () => {
    expect(SCRIPT_EXECUTOR_TRAITS).toEqual({ type: 'script', defaultConcurrency: 4 });
    expect(executor).toMatchObject({ type: 'script', defaultConcurrency: 4 });
    expect(executor.circuitKey).toBeUndefined();
    expect(executor.circuitVerdict).toBeUndefined();
  });
});
