import { afterAll, describe, expect, it } from 'vitest';
import {
  ExpressionEvaluator,
  compileSafeExpression,
  describeUndefinedOperands,
  findDecisionOperands,
  instrumentExpression,
  type SafeScope,
} from '@agentic-flow/sandbox';

const scope = {
  results: { 'data-fetch': { items: [1, 2], count: 2 }, 'process-single-batch': { sum: 3 }, text: 'abc' },
  variables: { batchIndex: 0, totalBatches: 3 },
  input: {},
  execution: { id: 'e1' },
  steps: { 'data-fetch': { status: 200, headers: {} } },
};

const evaluator = new ExpressionEvaluator();
afterAll(() => evaluator.close());

const ids = (expression: string) => findDecisionOperands(expression).map((o) => o.source);

describe('findDecisionOperands', () => {
  it('finds property paths of the scope that comparisons and arithmetic read', () => {
    expect(findDecisionOperands('results["data-fetch"].quality > 0.8')).toEqual([
      { id: 0, end: 29, source: 'results["data-fetch"].quality', path: ['results', 'data-fetch', 'quality'] },
    ]);
    expect(ids('variables.batchIndex < variables.totalBatches')).toEqual(['variables.batchIndex', 'variables.totalBatches']);
    expect(ids('steps.x?.status === 200 || results.a.n * 2 >= input.limit')).toEqual(['steps.x?.status', 'results.a.n', 'input.limit']);
    expect(findDecisionOperands('results[variables.name].q > 1')).toEqual([{ id: 0, end: 25, source: 'results[variables.name].q' }]);
  });

  it('leaves out truthiness tests, tests for undefined or null, and names a function hides', () => {
    expect(ids('results["process-single-batch"].error')).toEqual([]);
    expect(ids('!results.a.done && results.b.error')).toEqual([]);
    expect(ids('results.a.error === undefined || results.a.error != null || void 0 !== results.b.x')).toEqual([]);
    expect(ids('typeof results.a.n === "number"')).toEqual([]);
    expect(ids('results.a.items.some((results) => results.q > 1)')).toEqual([]);
    expect(ids('results.a.items.some(({ q }) => q > results.min.q)')).toEqual(['results.min.q']);
    expect(ids('results.a.n >')).toEqual([]);
  });
});

describe('instrumentExpression', () => {
  it('wraps each operand in the hook, nested ones too, and changes no answer', () => {
    const expression = 'results[results.a.k > 1 ? "x" : "y"].q > 2';
    const text = instrumentExpression(expression, findDecisionOperands(expression), 'h');
    expect(text).toBe('h(results[h(results.a.k, 8) > 1 ? "x" : "y"].q, 0) > 2');
    const seen: number[] = [];
    const hook = (v: unknown, id: number) => {
      if (v === undefined) seen.push(id);
      return v;
    };
    const run = (code: string) => new Function('results', 'h', `return (${code});`)({ a: { k: 2 }, x: { q: 3 } }, hook) as unknown;
    expect(run(text)).toBe(run(expression));
    expect(seen).toEqual([]);
  });
});

describe('undefined operands: the interpreter and the sandbox agree', () => {
  const cases: [string, string[]][] = [
    ['results["data-fetch"].quality > 0.8', ['results["data-fetch"].quality']],
    ['variables.batchIndex < variables.totalBatches', []],
    ['variables.batchIndex < variables.total', ['variables.total']],
    ['results["process-single-batch"].error', []],
    ['steps["data-fetch"].status === 200 && steps["data-fetch"].size > 10', ['steps["data-fetch"].size']],
    ['results.missing?.n + 1', ['results.missing?.n']],
    ['results.text.missing == "x"', ['results.text.missing']],
    // Short-circuited: the right side never ran, so nothing was compared with undefined.
    ['results.nope?.done && results.nope.quality > 0.8', []],
  ];
  for (const [expression, expected] of cases) {
    it(expression, async () => {
      const byId = new Map(findDecisionOperands(expression).map((o) => [o.id, o.source]));
      const safe = compileSafeExpression(expression)!(scope as SafeScope);
      const sandboxed = await evaluator.evaluate(expression, scope, 1000);
      if (!sandboxed.ok) throw new Error(sandboxed.error.message);
      expect((safe?.undefinedOperands ?? []).map((id) => byId.get(id))).toEqual(expected);
      expect((sandboxed.undefinedOperands ?? []).map((id) => byId.get(id))).toEqual(expected);
      expect(sandboxed.truthy).toBe(safe?.truthy);
    });
  }

  it('in the sandbox, for expressions the interpreter declines too', async () => {
    const expression = 'results["data-fetch"].items.filter((i) => i > 1).length + results["data-fetch"].extra > 0';
    expect(compileSafeExpression(expression)).toBeNull();
    const result = await evaluator.evaluate(expression, scope, 1000);
    expect(result).toMatchObject({ ok: true, truthy: false });
    expect(describeUndefinedOperands(expression, (result as { undefinedOperands: number[] }).undefinedOperands, scope)).toBe(
      'results["data-fetch"].extra is undefined: results["data-fetch"] has no "extra" (its keys: items, count)',
    );
  });
});

describe('describeUndefinedOperands', () => {
  it('says where each path stops and what is there', () => {
    const describe = (expression: string) =>
      describeUndefinedOperands(
        expression,
        findDecisionOperands(expression).map((o) => o.id),
        scope,
      );
    expect(describe('results["data-fetch"].quality > 0.8')).toBe(
      'results["data-fetch"].quality is undefined: results["data-fetch"] has no "quality" (its keys: items, count)',
    );
    expect(describe('results.fetch.quality > 0.8')).toBe(
      'results.fetch.quality is undefined: results has no "fetch" (its keys: data-fetch, process-single-batch, text)',
    );
    expect(describe('results["data-fetch"].items.size > 1')).toBe(
      'results["data-fetch"].items.size is undefined: results["data-fetch"].items is an array of 2 items, which has no "size"',
    );
    expect(describe('results.text.size > 1')).toBe('results.text.size is undefined: results.text is a string, which has no "size"');
    expect(describe('results[variables.k].q > 1')).toBe('results[variables.k].q is undefined');
    expect(describeUndefinedOperands('results.a > 1', [99], scope)).toBeUndefined();
  });
});
