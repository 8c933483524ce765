import { parse } from 'acorn';
import { everyReference, literalText, type AstNode } from './code-ast.js';

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
  const complete = everyReference(program, (name, parent, field) => {
    if (name === 'eval') return false;
    if (name !== 'setVariable') return true;
    const [first] = parent?.type === 'CallExpression' && field === 'callee' ? (parent['arguments'] as AstNode[]) : [];
    const written = first === undefined ? undefined : literalText(first);
    if (written === undefined) return false;
    names.add(written);
    return true;
  });
  return complete ? { any: false, names } : ANY;
}
