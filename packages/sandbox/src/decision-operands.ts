import { parse } from 'acorn';

/**
 * An operand of a comparison or arithmetic operator in a decision's expression that reads a
 * property path of the scope (`results["data-fetch"].quality` in `… > 0.8`): where `undefined`
 * would silently decide. Identified by its offset in the expression, which the interpreter and the
 * sandbox both report when it was `undefined`.
 */
export interface DecisionOperand {
  /** Offset of the operand's first character in the expression. */
  id: number;
  /** Offset just past its last character. */
  end: number;
  /** Its text, as written. */
  source: string;
  /** The path from the scope name, when every key is written literally (`['results', 'data-fetch', 'quality']`). */
  path?: (string | number)[];
}

/** Operators whose result `undefined` changes silently (`undefined > 0.8` is false, `undefined + 1` NaN). */
const CHECKED_OPERATORS = new Set(['<', '<=', '>', '>=', '==', '!=', '===', '!==', '+', '-', '*', '/', '%', '**']);
const EQUALITY = new Set(['==', '!=', '===', '!==']);
/** The names of an expression's scope, as `compileSafeExpression` and the sandbox give them. */
const SCOPE_NAMES = new Set(['results', 'steps', 'variables', 'input', 'execution', 'loop']);
/** Expressions bigger than this are not analysed: the answer only feeds a warning. */
const MAX_EXPRESSION_LENGTH = 64 * 1024;

interface AstNode {
  type: string;
  start: number;
  end: number;
  [field: string]: unknown;
}

/**
 * Every operand of a comparison (`<`, `>=`, `===`, …) or arithmetic operator (`+`, `*`, …) that
 * reads a property of the scope (`results.x.quality`, `variables["n"]`, `steps.x?.status`), outside
 * any function whose parameters hide the scope name it starts from. An equality with a literal
 * `undefined` or `null` (`results.x.error === undefined`) is an intended test and is left out, as
 * are bare truthiness tests (`results.x.error`), which are no operator's operand. Empty when the
 * expression does not parse.
 *
 * @example
 * findDecisionOperands('results["data-fetch"].quality > 0.8');
 * // [{ id: 0, end: 29, source: 'results["data-fetch"].quality', path: ['results', 'data-fetch', 'quality'] }]
 */
export function findDecisionOperands(expression: string): DecisionOperand[] {
  if (expression.length > MAX_EXPRESSION_LENGTH) return [];
  let program: AstNode;
  try {
    // Parsed as the interpreter parses it: one character of wrapping before the expression.
    program = parse(`(${expression}\n)`, { ecmaVersion: 'latest', sourceType: 'script' }) as unknown as AstNode;
  } catch {
    return [];
  }
  const found = new Map<number, DecisionOperand>();
  // Iterative, with the names each function hides: a hostile text nested thousands deep must not overflow the stack.
  const stack: { node: AstNode; hidden: ReadonlySet<string> }[] = [{ node: program, hidden: new Set() }];
  while (stack.length > 0) {
    const { node, hidden } = stack.pop()!;
    let inner = hidden;
    if (isFunction(node)) inner = new Set([...hidden, ...parameterNames(node)]);
    if (node.type === 'BinaryExpression' && CHECKED_OPERATORS.has(node['operator'] as string)) {
      const left = node['left'] as AstNode;
      const right = node['right'] as AstNode;
      const operator = node['operator'] as string;
      for (const [operand, other] of [
        [left, right],
        [right, left],
      ] as const) {
        if (EQUALITY.has(operator) && isNullish(other)) continue;
        const operandFound = propertyPath(operand, inner);
        if (operandFound)
          found.set(operand.start - 1, {
            id: operand.start - 1,
            end: operand.end - 1,
            source: expression.slice(operand.start - 1, operand.end - 1),
            ...operandFound,
          });
      }
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) stack.push({ node: item, hidden: inner });
      } else if (isNode(value)) {
        stack.push({ node: value, hidden: inner });
      }
    }
  }
  return [...found.values()].sort((a, b) => a.id - b.id);
}

/**
 * `expression` with each operand wrapped as `hook(operand, id)`: run in the sandbox with `hook`
 * recording the ids whose value is `undefined` (and returning the value unchanged), it answers
 * exactly as the expression does and says which operands were `undefined`.
 */
export function instrumentExpression(expression: string, operands: readonly DecisionOperand[], hook: string): string {
  if (operands.length === 0) return expression;
  const marks = operands.flatMap((o) => [
    { at: o.id, close: false, span: o.end - o.id, text: `${hook}(` },
    { at: o.end, close: true, span: o.end - o.id, text: `, ${o.id})` },
  ]);
  // At one offset: what ends there closes before what starts there opens; the inner closes first, the outer opens first.
  marks.sort((a, b) => a.at - b.at || (a.close !== b.close ? (a.close ? -1 : 1) : a.close ? a.span - b.span : b.span - a.span));
  let out = '';
  let cursor = 0;
  for (const mark of marks) {
    out += expression.slice(cursor, mark.at) + mark.text;
    cursor = mark.at;
  }
  return out + expression.slice(cursor);
}

/** The scope name and literal keys an operand reads, or undefined when it reads no property of the scope. */
function propertyPath(operand: AstNode, hidden: ReadonlySet<string>): { path?: (string | number)[] } | undefined {
  let node = operand.type === 'ChainExpression' ? (operand['expression'] as AstNode) : operand;
  if (node.type !== 'MemberExpression') return undefined;
  const keys: (string | number | undefined)[] = [];
  while (node.type === 'MemberExpression') {
    keys.unshift(literalKey(node));
    node = node['object'] as AstNode;
  }
  if (node.type !== 'Identifier') return undefined;
  const root = node['name'] as string;
  if (!SCOPE_NAMES.has(root) || hidden.has(root)) return undefined;
  return keys.every((key) => key !== undefined) ? { path: [root, ...(keys as (string | number)[])] } : {};
}

function literalKey(member: AstNode): string | number | undefined {
  const property = member['property'] as AstNode;
  if (member['computed'] !== true) return property.type === 'Identifier' ? (property['name'] as string) : undefined;
  if (property.type === 'Literal' && (typeof property['value'] === 'string' || typeof property['value'] === 'number'))
    return property['value'] as string | number;
  return undefined;
}

function isNullish(node: AstNode): boolean {
  if (node.type === 'Literal') return node['value'] === null;
  if (node.type === 'Identifier') return node['name'] === 'undefined';
  return node.type === 'UnaryExpression' && node['operator'] === 'void';
}

function isFunction(node: AstNode): boolean {
  return node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression' || node.type === 'FunctionDeclaration';
}

/** Every name a function's parameters (patterns included) and its own name bind. */
function parameterNames(fn: AstNode): string[] {
  const names: string[] = [];
  const pending: unknown[] = [...(fn['params'] as unknown[]), fn['id']];
  while (pending.length > 0) {
    const node = pending.pop();
    if (!isNode(node)) continue;
    if (node.type === 'Identifier') names.push(node['name'] as string);
    else if (node.type === 'ObjectPattern')
      pending.push(...(node['properties'] as AstNode[]).map((p) => (p.type === 'RestElement' ? p['argument'] : p['value'])));
    else if (node.type === 'ArrayPattern') pending.push(...(node['elements'] as unknown[]));
    else if (node.type === 'RestElement') pending.push(node['argument']);
    else if (node.type === 'AssignmentPattern') pending.push(node['left']);
  }
  return names;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Keys listed in a warning, at most. */
const MAX_LISTED_KEYS = 20;

/**
 * What went `undefined` in a decision, for its warning: for each operand of `ids`, its text, the
 * key its path stops at and the keys that are there (`results["data-fetch"].quality is undefined:
 * results["data-fetch"] has no "quality" (its keys: items, count)`). Undefined when no id is an
 * operand of the expression. The path is followed over `scope` through own properties only.
 */
export function describeUndefinedOperands(expression: string, ids: readonly number[], scope: Readonly<Record<string, unknown>>): string | undefined {
  const wanted = new Set(ids);
  const parts = findDecisionOperands(expression)
    .filter((operand) => wanted.has(operand.id))
    .map((operand) => `${operand.source} is undefined${operand.path === undefined ? '' : `: ${whereItStops(operand.path, scope)}`}`);
  return parts.length === 0 ? undefined : parts.join('; ');
}

function whereItStops(path: readonly (string | number)[], scope: Readonly<Record<string, unknown>>): string {
  // An expression reads `steps` as `{}` when its scope has none.
  let current: unknown = path[0] === 'steps' ? (scope['steps'] ?? {}) : scope[path[0] as string];
  for (let i = 1; i < path.length; i++) {
    const key = path[i]!;
    const reached = formatPath(path.slice(0, i));
    if (current === null || current === undefined) return `${reached} is ${current === null ? 'null' : 'undefined'}`;
    if (typeof current !== 'object') return `${reached} is a ${typeof current}, which has no ${JSON.stringify(String(key))}`;
    if (!Object.hasOwn(current, key)) {
      if (Array.isArray(current)) return `${reached} is an array of ${current.length} items, which has no ${JSON.stringify(String(key))}`;
      return `${reached} has no ${JSON.stringify(String(key))} (${keysOf(current)})`;
    }
    current = (current as Record<string | number, unknown>)[key];
  }
  return `${formatPath(path)} is undefined`;
}

function keysOf(value: object): string {
  const keys = Object.keys(value);
  if (keys.length === 0) return 'it has no keys';
  const listed = keys.slice(0, MAX_LISTED_KEYS).join(', ');
  return `its keys: ${listed}${keys.length > MAX_LISTED_KEYS ? `, … ${keys.length - MAX_LISTED_KEYS} more` : ''}`;
}

/** `results["data-fetch"].quality`, `variables.list[0]`. */
function formatPath(path: readonly (string | number)[]): string {
  return path
    .map((key, i) => (i === 0 ? String(key) : typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`))
    .join('');
}
