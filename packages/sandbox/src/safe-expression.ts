import { parse } from 'acorn';
import { findDecisionOperands } from './decision-operands.js';

/** What a safe expression reads: the JSON data of an expression's scope. */
export interface SafeScope {
  results?: unknown;
  steps?: unknown;
  variables?: unknown;
  input?: unknown;
  execution?: unknown;
  loop?: unknown;
}

/**
 * The answer of a safe expression, or `undefined` when this evaluation needs the sandbox after all.
 * `undefinedOperands`: the decision operands (`findDecisionOperands`) that were `undefined`, when any.
 */
export type SafeOutcome = { truthy: boolean; value: unknown; undefinedOperands?: number[] } | undefined;

/** A compiled safe expression. */
export type SafeExpression = (scope: SafeScope) => SafeOutcome;

interface AstNode {
  type: string;
  [field: string]: unknown;
}

/** Bigger expressions go to the sandbox: the interpreter's work must stay trivially small. */
const MAX_NODES = 500;
const MAX_DEPTH = 40;
/** A string longer than this (built by `+` or a template) goes to the sandbox, whose heap is bounded. */
const MAX_STRING = 64 * 1024;

const SCOPE_NAMES = new Set(['results', 'steps', 'variables', 'input', 'execution', 'loop']);
const GLOBAL_VALUES: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ['undefined', undefined],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
]);

/** Thrown inside an evaluation to hand it to the sandbox. */
const NEEDS_SANDBOX = Symbol('needsSandbox');
/** What an optional link (`a?.b`) that met null or undefined makes of its whole chain. */
const SHORT_CIRCUIT = Symbol('shortCircuit');

type Evaluator = (scope: SafeScope) => unknown;

/** One compilation's bookkeeping: its size so far, the decision operands to watch, and the ones an evaluation found undefined. */
interface Compilation {
  nodes: number;
  operands: ReadonlySet<number>;
  misses: number[];
}

/**
 * Compiles `expression` when it lies in a small subset of JavaScript that can be interpreted over
 * the scope's JSON data without running any code: literals, the scope's names, property reads
 * (`a.b`, `a["b"]`, `a?.b`), `!`/`-`/`+`/`typeof`, arithmetic, comparisons, `&&`/`||`/`??` and
 * `?:`. Anything else — calls, functions, object and array literals, `new`, assignments, regular
 * expressions — returns `null`, and the expression runs in the sandbox, as does an evaluation that
 * meets something the interpreter does not reproduce exactly (an operand that is an object, a
 * property a prototype would supply, an error to report). The answer is always the one the sandbox
 * would give: the interpreter only ever declines.
 *
 * Why: most conditions are like `results.fetch.status === 200`. Interpreted, they cost a few
 * microseconds instead of a round trip to a sandbox process, so a chain of ten thousand of them
 * starts in well under a second; and no input can make such an expression loop, allocate without
 * bound or reach anything but the data it was given.
 *
 * @example
 * const check = compileSafeExpression('results.fetch.status === 200');
 * check?.({ results: { fetch: { status: 200 } } }); // { truthy: true, value: true }
 */
export function compileSafeExpression(expression: string): SafeExpression | null {
  let program: AstNode;
  try {
    program = parse(`(${expression}\n)`, { ecmaVersion: 'latest', sourceType: 'script' }) as unknown as AstNode;
  } catch {
    return null;
  }
  const body = program['body'] as AstNode[];
  if (body.length !== 1 || body[0]!.type !== 'ExpressionStatement') return null;
  const compilation: Compilation = { nodes: 0, operands: new Set(findDecisionOperands(expression).map((o) => o.id)), misses: [] };
  let evaluate: Evaluator;
  try {
    evaluate = compile(body[0]!['expression'] as AstNode, 0, compilation);
  } catch (error) {
    if (error === NEEDS_SANDBOX) return null;
    throw error;
  }
  return (scope) => {
    // Evaluations are synchronous: one at a time uses the list.
    compilation.misses = [];
    try {
      const value = evaluate(scope);
      const misses = compilation.misses.length === 0 ? {} : { undefinedOperands: [...new Set(compilation.misses)] };
      if (value === SHORT_CIRCUIT) return { truthy: false, value: null, ...misses };
      return { truthy: Boolean(value), value: jsonValue(value), ...misses };
    } catch (error) {
      if (error === NEEDS_SANDBOX) return undefined;
      throw error;
    }
  };
}

/** The value as the sandbox hands it back: JSON's view of it (`undefined`, `NaN`, `Infinity` are null). */
function jsonValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

function decline(): never {
  throw NEEDS_SANDBOX;
}

function compile(node: AstNode, depth: number, compilation: Compilation): Evaluator {
  if (++compilation.nodes > MAX_NODES || depth > MAX_DEPTH) decline();
  const sub = (child: unknown): Evaluator => compile(child as AstNode, depth + 1, compilation);
  // A decision operand reports its `undefined`, as the sandbox's instrumented expression does.
  const operand = (child: unknown): Evaluator => {
    const evaluate = sub(child);
    const id = ((child as AstNode)['start'] as number) - 1;
    if (!compilation.operands.has(id)) return evaluate;
    return (scope) => {
      const value = evaluate(scope);
      if (value === undefined) compilation.misses.push(id);
      return value;
    };
  };
  switch (node.type) {
    case 'Literal': {
      const value = node['value'];
      if (node['regex'] !== undefined || node['bigint'] !== undefined) decline();
      return () => value;
    }
    case 'Identifier': {
      const name = node['name'] as string;
      // `steps` is `{}` in the sandbox when a scope lacks it (an evaluation asked before it existed).
      if (name === 'steps') return (scope) => scope.steps ?? {};
      if (SCOPE_NAMES.has(name)) return (scope) => scope[name as keyof SafeScope];
      if (GLOBAL_VALUES.has(name)) {
        const value = GLOBAL_VALUES.get(name);
        return () => value;
      }
      return decline();
    }
    case 'TemplateLiteral': {
      const quasis = (node['quasis'] as { value: { cooked: string | null } }[]).map((q) => q.value.cooked);
      if (quasis.some((q) => q === null)) decline();
      const parts = (node['expressions'] as unknown[]).map(sub);
      return (scope) => {
        let text = quasis[0]!;
        for (let i = 0; i < parts.length; i++) text = concat(text, String(primitive(parts[i]!(scope))) + quasis[i + 1]!);
        return text;
      };
    }
    case 'ChainExpression': {
      const inner = sub(node['expression']);
      return (scope) => {
        const value = inner(scope);
        return value === SHORT_CIRCUIT ? undefined : value;
      };
    }
    case 'MemberExpression':
      return member(node, sub);
    case 'UnaryExpression':
      return unary(node['operator'] as string, sub(node['argument']));
    case 'BinaryExpression':
      return binary(node['operator'] as string, operand(node['left']), operand(node['right']));
    case 'LogicalExpression': {
      const left = sub(node['left']);
      const right = sub(node['right']);
      switch (node['operator']) {
        case '&&':
          return (scope) => left(scope) && right(scope);
        case '||':
          return (scope) => left(scope) || right(scope);
        case '??':
          return (scope) => left(scope) ?? right(scope);
      }
      return decline();
    }
    case 'ConditionalExpression': {
      const test = sub(node['test']);
      const consequent = sub(node['consequent']);
      const alternate = sub(node['alternate']);
      return (scope) => (test(scope) ? consequent(scope) : alternate(scope));
    }
    default:
      return decline();
  }
}

function member(node: AstNode, sub: (child: unknown) => Evaluator): Evaluator {
  const object = sub(node['object']);
  const optional = node['optional'] === true;
  const property = node['property'] as AstNode;
  const key: Evaluator = node['computed'] === true ? sub(property) : property.type === 'Identifier' ? () => property['name'] : decline();
  return (scope) => {
    const target = object(scope);
    if (target === SHORT_CIRCUIT) return SHORT_CIRCUIT;
    if (target === null || target === undefined) {
      if (optional) return SHORT_CIRCUIT;
      // A TypeError, whose exact message the sandbox gives.
      return decline();
    }
    const name = key(scope);
    if (typeof name !== 'string' && typeof name !== 'number') decline();
    return read(target, String(name));
  };
}

/** An own data property of JSON data; anything a prototype could supply is the sandbox's to answer. */
function read(target: unknown, name: string): unknown {
  if (typeof target === 'string') {
    if (name === 'length') return target.length;
    if (/^(0|[1-9]\d*)$/.test(name)) return target[Number(name)];
    return name in String.prototype ? decline() : undefined;
  }
  if (typeof target !== 'object' || target === null) return decline();
  if (Object.hasOwn(target, name)) {
    const value: unknown = (target as Record<string, unknown>)[name];
    return value;
  }
  const prototype = Array.isArray(target) ? Array.prototype : Object.prototype;
  return name in prototype ? decline() : undefined;
}

/** Operands are primitives only: coercing an object runs its `toString`/`valueOf`. */
function primitive(value: unknown): unknown {
  if (value === SHORT_CIRCUIT || (typeof value === 'object' && value !== null) || typeof value === 'function') decline();
  return value;
}

function concat(left: string, right: string): string {
  if (left.length + right.length > MAX_STRING) decline();
  return left + right;
}

function unary(operator: string, argument: Evaluator): Evaluator {
  switch (operator) {
    case '!':
      return (scope) => !argument(scope);
    case '-':
      return (scope) => -(primitive(argument(scope)) as number);
    case '+':
      return (scope) => +(primitive(argument(scope)) as number);
    case 'typeof':
      return (scope) => {
        const value = argument(scope);
        return value === SHORT_CIRCUIT ? 'undefined' : typeof value;
      };
  }
  return decline();
}

type Primitive = string | number | boolean | null | undefined;

function binary(operator: string, left: Evaluator, right: Evaluator): Evaluator {
  const both = (scope: SafeScope): [Primitive, Primitive] => [primitive(left(scope)) as Primitive, primitive(right(scope)) as Primitive];
  switch (operator) {
    case '===':
      return (scope) => {
        const [a, b] = both(scope);
        return a === b;
      };
    case '!==':
      return (scope) => {
        const [a, b] = both(scope);
        return a !== b;
      };
    case '==':
      return (scope) => {
        const [a, b] = both(scope);
        // biome-ignore lint/suspicious/noDoubleEquals: the expression language's `==` is JavaScript's loose equality
        return a == b;
      };
    case '!=':
      return (scope) => {
        const [a, b] = both(scope);
        // biome-ignore lint/suspicious/noDoubleEquals: the expression language's `!=` is JavaScript's loose inequality
        return a != b;
      };
    case '<':
      return (scope) => {
        const [a, b] = both(scope);
        return (a as number) < (b as number);
      };
    case '<=':
      return (scope) => {
        const [a, b] = both(scope);
        return (a as number) <= (b as number);
      };
    case '>':
      return (scope) => {
        const [a, b] = both(scope);
        return (a as number) > (b as number);
      };
    case '>=':
      return (scope) => {
        const [a, b] = both(scope);
        return (a as number) >= (b as number);
      };
    case '+':
      return (scope) => {
        const [a, b] = both(scope);
        if (typeof a === 'string' || typeof b === 'string') return concat(String(a), String(b));
        return (a as number) + (b as number);
      };
    case '-':
      return (scope) => {
        const [a, b] = both(scope);
        return (a as number) - (b as number);
      };
    case '*':
      return (scope) => {
        const [a, b] = both(scope);
        return (a as number) * (b as number);
      };
    case '/':
      return (scope) => {
        const [a, b] = both(scope);
        return (a as number) / (b as number);
      };
    case '%':
      return (scope) => {
        const [a, b] = both(scope);
        return (a as number) % (b as number);
      };
  }
  return decline();
}
