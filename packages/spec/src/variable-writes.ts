import { parse } from 'acorn';
import { NAME_FIELDS, isNode, literalText, type AstNode } from './code-ast.js';

/** The variables a script's `setVariable` calls may set: the names it spells out, or any at all. */
export type VariableWrites = { readonly any: true } | { readonly any: false; readonly names: ReadonlySet<string> };

const ANY: VariableWrites = Object.freeze({ any: true });

/**
 * Reads a script step's code (the body of an async function) for `setVariable("name", …)` calls.
 * A call whose name is a literal writes that name; any other use of `setVariable` (a computed name,
 * passing or renaming the function, `eval`) may write any, and so may code that does not parse or
 * nests too deeply to walk: the answer may only ever be too large, never too small.
 *
 * @example
 * scriptVariableWrites('setVariable("count", 1); return 1;'); // { any: false, names: Set { 'count' } }
 * scriptVariableWrites('setVariable(name, 1);');               // { any: true }
 */
export function scriptVariableWrites(script: string): VariableWrites {
  let program: AstNode;
  try {
    program = parse(`(async function () {\n${script}\n})`, { ecmaVersion: 'latest', sourceType: 'script' }) as unknown as AstNode;
  } catch {
    return ANY;
  }
  const names = new Set<string>();
  // Iterative: a hostile text nested thousands deep must not overflow the stack here.
  const stack: { node: AstNode; parent: AstNode | undefined; field: string }[] = [{ node: program, parent: undefined, field: '' }];
  while (stack.length > 0) {
    const { node, parent, field } = stack.pop()!;
    if (node.type === 'Identifier') {
      const isName = parent !== undefined && NAME_FIELDS[parent.type]?.has(field) === true && parent['computed'] !== true;
      if (isName) continue;
      if (node['name'] === 'eval') return ANY;
      if (node['name'] !== 'setVariable') continue;
      const [first] = parent?.type === 'CallExpression' && field === 'callee' ? (parent['arguments'] as AstNode[]) : [];
      const name = first === undefined ? undefined : literalText(first);
      if (name === undefined) return ANY;
      names.add(name);
      continue;
    }
    for (const [key, value] of Object.entries(node)) {
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) stack.push({ node: item, parent: node, field: key });
      } else if (isNode(value)) {
        stack.push({ node: value, parent: node, field: key });
      }
    }
  }
  return { any: false, names };
}
