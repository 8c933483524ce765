import { afterAll, describe, expect, it } from 'vitest';
import { ExpressionEvaluator, SandboxClosedError, type ExpressionScope } from '@agentic-flow/sandbox';

const scope: ExpressionScope = {
  results: { fetch: { status: 200, body: { items: [1, 2, 3] } } },
  variables: { count: 2, name: 'ada' },
  input: { threshold: 5 },
  execution: { id: 'exec-1' },
};
const evaluator = new ExpressionEvaluator();
afterAll(() => evaluator.close());

describe('ExpressionEvaluator.check', () => {
  it('accepts expressions, including multi-line and arrow-function ones', () => {
    expect(evaluator.check('results.fetch.status === 200')).toBeNull();
    expect(evaluator.check('variables.count <\n  input.threshold // a comment')).toBeNull();
    expect(evaluator.check('results.fetch.body.items.some((x) => x > 2)')).toBeNull();
    // An expression never starts a statement, so a leading brace is an object literal.
    expect(evaluator.check('{ a: 1 }.a')).toBeNull();
  });

  it('reports syntax errors with the line and column in the expression', () => {
    expect(evaluator.check('variables.count >')).toEqual({ message: 'Unexpected end of input', line: 1, column: 18 });
    expect(evaluator.check('a &&\nb c')).toEqual({ message: "Unexpected identifier 'c'", line: 2, column: 3 });
  });

  it('rejects statements and empty text', () => {
    expect(evaluator.check('if (x) y')).toMatchObject({ message: "Unexpected token 'if'", line: 1 });
    expect(evaluator.check('return 1')).toMatchObject({ message: "Unexpected token 'return'" });
    expect(evaluator.check('a; b')).toMatchObject({ message: "Unexpected token ';'" });
    expect(evaluator.check('   ')).toEqual({ message: 'the expression is empty' });
  });

  it('never runs the expression', () => {
    expect(evaluator.check('(() => { while (true) {} })()')).toBeNull();
  });
});

describe('ExpressionEvaluator.evaluate', () => {
  it('evaluates over results, variables, input, execution and loop', async () => {
    expect(await evaluator.evaluate('results.fetch.status === 200 && variables.count < input.threshold', scope, 100)).toEqual({
      ok: true,
      value: true,
      truthy: true,
    });
    expect(await evaluator.evaluate('execution.id + ":" + loop.iteration', { ...scope, loop: { iteration: 3 } }, 100)).toEqual({
      ok: true,
      value: 'exec-1:3',
      truthy: true,
    });
    expect(await evaluator.evaluate('results.fetch.body.items.filter((x) => x > 1)', scope, 100)).toEqual({ ok: true, value: [2, 3], truthy: true });
  });

  it('returns JSON-safe values and the truthiness of the original value', async () => {
    expect(await evaluator.evaluate('variables.missing', scope, 100)).toEqual({ ok: true, value: null, truthy: false });
    expect(await evaluator.evaluate('new Date(0)', scope, 100)).toEqual({ ok: true, value: '1970-01-01T00:00:00.000Z', truthy: true });
    expect(await evaluator.evaluate('1 / 0', scope, 100)).toEqual({ ok: true, value: null, truthy: true });
    expect(await evaluator.evaluate('""', scope, 100)).toEqual({ ok: true, value: '', truthy: false });
  });

  it('reports thrown errors, syntax errors and non-JSON values as EXPRESSION_ERROR', async () => {
    expect(await evaluator.evaluate('nope.field', scope, 100)).toEqual({
      ok: false,
      error: { code: 'EXPRESSION_ERROR', message: 'ReferenceError: nope is not defined' },
    });
    expect(await evaluator.evaluate('variables.count >', scope, 100)).toEqual({
      ok: false,
      error: { code: 'EXPRESSION_ERROR', message: 'Unexpected end of input (line 1, column 18)' },
    });
    expect(await evaluator.evaluate('() => 1', scope, 100)).toMatchObject({
      ok: false,
      error: { code: 'EXPRESSION_ERROR', message: expect.stringContaining('not JSON-serializable') },
    });
    expect(await evaluator.evaluate('Promise.resolve(true)', scope, 100)).toMatchObject({
      ok: false,
      error: { code: 'EXPRESSION_ERROR', message: expect.stringContaining('Promise') },
    });
    expect(await evaluator.evaluate('process.exit(1)', scope, 100)).toMatchObject({
      ok: false,
      error: { code: 'EXPRESSION_ERROR', message: 'ReferenceError: process is not defined' },
    });
  });

  it('times out an expression that never ends, then keeps using the same isolate', async () => {
    const own = new ExpressionEvaluator({ poolSize: 1 });
    try {
      const started = Date.now();
      const result = await own.evaluate('(() => { while (true) {} })()', scope, 50);
      expect(result).toEqual({ ok: false, error: { code: 'TIMEOUT', message: 'expression exceeded its 50 ms timeout' } });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await own.evaluate('variables.count * 21', scope, 50)).toEqual({ ok: true, value: 42, truthy: true });
      expect(own.stats()).toMatchObject({ created: 1, retired: 0 });
    } finally {
      own.close();
    }
  });

  it('isolates evaluations from each other and from the caller', async () => {
    const own = new ExpressionEvaluator({ poolSize: 1 });
    try {
      expect(await own.evaluate('(globalThis.leak = 1, Object.prototype.bad = 1, variables.count = 99)', scope, 100)).toMatchObject({ ok: true, value: 99 });
      expect(await own.evaluate('[typeof leak, ({}).bad, variables.count]', scope, 100)).toEqual({ ok: true, value: ['undefined', null, 2], truthy: true });
      expect(scope.variables?.['count']).toBe(2);
      expect(own.stats()).toMatchObject({ created: 1 });
    } finally {
      own.close();
    }
  });

  it('shares one frozen realm between evaluations: no match, global or built-in change carries over', async () => {
    const own = new ExpressionEvaluator({ poolSize: 1 });
    try {
      expect(await own.evaluate('/(a\\w+)/.exec(variables.name)[1] + ":" + RegExp.$1', scope, 100)).toEqual({ ok: true, value: 'ada:undefined', truthy: true });
      // Expressions are sloppy code: writes to frozen built-ins fail silently.
      expect(await own.evaluate('(Array.prototype.includes = null, leak = 1, [1].includes(1))', scope, 100)).toEqual({ ok: true, value: true, truthy: true });
      expect(await own.evaluate('[RegExp.lastMatch, typeof [].includes, typeof leak, Object.isFrozen(globalThis)]', scope, 100)).toEqual({
        ok: true,
        value: [null, 'function', 'undefined', true],
        truthy: true,
      });
      expect(own.stats()).toMatchObject({ created: 1 });
    } finally {
      own.close();
    }
  });

  it('refuses an expression that closes its function to run code outside it', async () => {
    const breakout =
      '1); }) && (() => { const store = []; return function (results) { store.push(results); return store.length; }; })() || (function () { return (1';
    expect(evaluator.check(breakout)).toMatchObject({ message: expect.stringContaining('does not fit in one function') });
    const result = await evaluator.evaluate(breakout, scope, 100);
    expect(result).toMatchObject({ ok: false, error: { code: 'EXPRESSION_ERROR', message: expect.stringContaining('does not fit in one function') } });
  });

  it('is not fooled by an expression that replaces the globals the evaluator relies on', async () => {
    expect(await evaluator.evaluate('(Promise = null, Error = null, JSON.stringify = null, JSON.parse = null, 7)', scope, 100)).toEqual({
      ok: true,
      value: 7,
      truthy: true,
    });
    const hostile = await evaluator.evaluate('(() => { throw { toString() { throw 1; } }; })()', scope, 100);
    expect(hostile).toEqual({ ok: false, error: { code: 'EXPRESSION_ERROR', message: 'the expression threw' } });
  });

  it('rejects, rather than reporting an expression error, when closed mid-evaluation', async () => {
    const own = new ExpressionEvaluator();
    const pending = own.evaluate('(() => { while (true) {} })()', scope, 5000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    own.close();
    await expect(pending).rejects.toBeInstanceOf(SandboxClosedError);
    await expect(own.evaluate('1', scope, 100)).rejects.toBeInstanceOf(SandboxClosedError);
    expect(() => own.check('1')).toThrow(SandboxClosedError);
  });

  it('serves concurrent evaluations correctly', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => evaluator.evaluate('loop.iteration * 2', { loop: { iteration: i } }, 200)));
    expect(results).toEqual(Array.from({ length: 12 }, (_, i) => ({ ok: true, value: i * 2, truthy: i > 0 })));
  });

  it('fails a memory hog without taking the evaluator down', async () => {
    const own = new ExpressionEvaluator({ memoryLimitMb: 8 });
    try {
      const result = await own.evaluate('(() => { const a = []; while (true) a.push(new Array(100000).fill(1.5)); })()', scope, 5000);
      expect(result).toEqual({ ok: false, error: { code: 'EXPRESSION_ERROR', message: 'expression exceeded the 8 MiB memory limit' } });
      expect(await own.evaluate('1 + 1', scope, 100)).toEqual({ ok: true, value: 2, truthy: true });
    } finally {
      own.close();
    }
  });
});
