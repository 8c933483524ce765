import { afterAll, describe, expect, it } from 'vitest';
import { ExpressionEvaluator, compileSafeExpression, type SafeScope } from '@agentic-flow/sandbox';

const scope: SafeScope = {
  results: {
    fetch: { status: 200, body: { items: [1, 2, 3], quality: 0.9, name: 'a"b', nested: { ok: true } }, empty: '' },
    'data-fetch': { quality: 0.7 },
    flag: false,
    nothing: null,
  },
  variables: { n: 3, s: '10', list: [1, 2], text: 'hello', zero: 0, obj: { k: 'v' } },
  input: { threshold: 2.5 },
  execution: { id: 'e1', workflowId: 'w' },
  loop: { iteration: 2 },
  steps: { fetch: { status: 200, headers: { 'content-type': 'application/json' } } },
};

const evaluator = new ExpressionEvaluator();
afterAll(() => evaluator.close());

/** The sandbox's answer, the reference the interpreter must reproduce whenever it answers. */
async function sandboxed(expression: string) {
  const result = await evaluator.evaluate(expression, scope as Record<string, Record<string, unknown>>, 1000);
  return result.ok ? { truthy: result.truthy, value: result.value } : { error: result.error.code };
}

describe('compileSafeExpression', () => {
  it('answers simple conditions exactly as the sandbox does', async () => {
    const cases = [
      'results.fetch.status === 200',
      'steps.fetch.status === 200 && steps["fetch"].headers["content-type"] === "application/json"',
      'steps.other?.status',
      'results["data-fetch"].quality > 0.8',
      'results.fetch.body.items.length >= 3 && variables.n < 5',
      'variables.s == 10',
      'variables.s > 9',
      '!results.flag',
      'results.nothing ?? "default"',
      'results.missing?.deep.value',
      'typeof results.missing === "undefined"',
      'typeof variables.list',
      'variables.n % 2 === 1 ? "odd" : "even"',
      '-variables.n + +variables.s',
      '`count ${variables.n}`',
      'variables.text[1] === "e"',
      'variables.list[5] === undefined',
      'results.fetch.empty || variables.zero || NaN',
      'variables.n / variables.zero',
      'loop.iteration + 1',
      'execution.workflowId === "w"',
      'results.fetch.body.name + "!"',
      'input.threshold * 2 <= 5',
      'variables.n != null',
      'results.fetch.body.nested.ok',
      'results.fetch.body.nested',
    ];
    for (const expression of cases) {
      const compiled = compileSafeExpression(expression);
      expect(compiled, expression).not.toBeNull();
      expect(compiled!(scope), expression).toEqual(await sandboxed(expression));
    }
  });

  it('declines code: calls, functions, literals of objects and arrays, assignments, unknown names', () => {
    for (const expression of [
      'results.fetch.body.items.some((x) => x > 2)',
      'Math.max(1, 2)',
      '[1, 2].length',
      '({ a: 1 }).a',
      'variables.n = 4',
      'variables.n++',
      'process.exit()',
      'globalThis',
      'this',
      '(() => { while (true) {} })()',
      '/a+/.test(variables.text)',
      '10n > 1',
      'a, b',
      'new Date()',
      'results.a; results.b',
      '1); evil(); (2',
      `${'!'.repeat(100)}true`,
      Array.from({ length: 600 }, (_, i) => `variables.n > ${i}`).join(' && '),
    ]) {
      expect(compileSafeExpression(expression), expression).toBeNull();
    }
  });

  it('hands to the sandbox whatever it would not reproduce exactly: errors, objects coerced, inherited members', async () => {
    for (const expression of [
      'results.missing.deep',
      'variables.obj == "[object Object]"',
      'variables.list + 1',
      'results.fetch.constructor',
      'variables.text.toUpperCase',
      'results.fetch.body.items.map',
      'variables.n.toFixed',
    ]) {
      const compiled = compileSafeExpression(expression);
      expect(compiled, expression).not.toBeNull();
      expect(compiled!(scope), expression).toBeUndefined();
    }
  });

  it('matches the sandbox on hundreds of generated expressions', async () => {
    let seed = 20261207;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const leaves = [
      'results.fetch.status',
      'results["data-fetch"].quality',
      'variables.n',
      'variables.s',
      'variables.text',
      'variables.zero',
      'results.flag',
      'results.nothing',
      'results.missing?.x',
      'input.threshold',
      '0',
      '1',
      '-1',
      '2.5',
      '"10"',
      '""',
      '"a"',
      'true',
      'false',
      'null',
      'undefined',
      'NaN',
      'loop.iteration',
      'variables.list.length',
      'variables.list[0]',
    ];
    const binary = ['===', '!==', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '&&', '||', '??'];
    const build = (depth: number): string => {
      const pick = random(depth > 3 ? 1 : 5);
      if (pick === 0) return leaves[random(leaves.length)]!;
      if (pick === 1) return `(${['!', '-', '+', 'typeof '][random(4)]}${build(depth + 1)})`;
      if (pick === 2) return `(${build(depth + 1)} ? ${build(depth + 1)} : ${build(depth + 1)})`;
      return `(${build(depth + 1)} ${binary[random(binary.length)]} ${build(depth + 1)})`;
    };
    let answered = 0;
    for (let i = 0; i < 400; i++) {
      const expression = build(0);
      const outcome = compileSafeExpression(expression)?.(scope);
      if (outcome === undefined) continue;
      answered += 1;
      const expected = await sandboxed(expression);
      if ('error' in expected) throw new Error(`the interpreter answered ${expression}, which the sandbox fails with ${expected.error}`);
      expect({ truthy: outcome.truthy, value: outcome.value }, expression).toEqual(expected);
    }
    expect(answered).toBeGreaterThan(200);
  });
});
