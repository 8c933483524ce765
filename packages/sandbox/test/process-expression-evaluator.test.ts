import { afterAll, describe, expect, it } from 'vitest';
import { EvaluationCancelledError, ProcessExpressionEvaluator, SandboxClosedError } from '@agentic-flow/sandbox';

const scope = JSON.stringify({ results: { fetch: { status: 200 } }, variables: { n: 3 }, input: {}, execution: {} });
const evaluator = new ProcessExpressionEvaluator({ processes: 2, maxProcesses: 3 });
afterAll(() => evaluator.close());

describe('ProcessExpressionEvaluator', () => {
  it('evaluates expressions over a JSON scope', async () => {
    expect(await evaluator.evaluate('results.fetch.status === 200 && variables.n > 2', scope, 500)).toEqual({ ok: true, truthy: true, value: true });
    expect(await evaluator.evaluate('({ n: variables.n })', scope, 500)).toEqual({ ok: true, truthy: true, value: { n: 3 } });
    expect(await evaluator.evaluate('nope.x', scope, 500)).toMatchObject({ ok: false, error: { code: 'EXPRESSION_ERROR' } });
    expect(await evaluator.evaluate('(() => { while (true) {} })()', scope, 200)).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
  });

  it('contains an expression that makes V8 abort and serves on', async () => {
    const crashed = await evaluator.evaluate('(() => { const o = {}; for (let i = 0; ; i++) o["k" + i] = i; })()', '{}', 30_000);
    expect(crashed).toMatchObject({ ok: false, error: { code: 'SANDBOX_CRASHED' } });
    expect(await evaluator.evaluate('1 + 1 === 2', '{}', 500)).toMatchObject({ ok: true, truthy: true });
  });

  it('has no WebAssembly', async () => {
    expect(await evaluator.evaluate('typeof WebAssembly', '{}', 500)).toEqual({ ok: true, truthy: true, value: 'undefined' });
  });

  it('lets other keys go first while one key has slow evaluations queued', async () => {
    const slow = 'variables.n > 0 && (() => { const end = Date.now() + 600; while (Date.now() < end) {} return true; })()';
    const order: string[] = [];
    const busy = [1, 2, 3, 4].map((i) => evaluator.evaluate(slow, scope, 2000, 'slow-execution').then(() => order.push(`slow${i}`)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await evaluator.evaluate('true', '{}', 2000, 'other-execution');
    order.push('other');
    await Promise.all(busy);
    // One slow evaluation at a time per key: the other execution took a free process, not a place behind the queue.
    expect(order.indexOf('other')).toBeLessThan(2);
  });

  it('drops the evaluations of a key on cancel: queued ones never run, the running one stops', async () => {
    const spin = '(() => { const end = Date.now() + 5000; while (Date.now() < end) {} return true; })()';
    const started = Date.now();
    const runs = [1, 2, 3].map(() => expect(evaluator.evaluate(spin, '{}', 10_000, 'settled-execution')).rejects.toBeInstanceOf(EvaluationCancelledError));
    await new Promise((resolve) => setTimeout(resolve, 200));
    evaluator.cancel('settled-execution');
    await Promise.all(runs);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await evaluator.evaluate('1 + 1', '{}', 1000)).toMatchObject({ ok: true, value: 2 });
  });

  it('checks syntax without a process', () => {
    expect(evaluator.check('variables.count >')).toEqual({ message: 'Unexpected end of input', line: 1, column: 18 });
    expect(evaluator.check('a; b')).toMatchObject({ message: "Unexpected token ';'" });
  });

  it('rejects evaluations once closed (nothing is recorded for them)', async () => {
    const own = new ProcessExpressionEvaluator({ processes: 1 });
    const pending = expect(own.evaluate('(() => { while (true) {} })()', '{}', 5000)).rejects.toBeInstanceOf(SandboxClosedError);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await own.close();
    await pending;
  });
});
