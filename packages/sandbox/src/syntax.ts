/**
 * `@agentic-flow/sandbox/syntax`: what the sandbox would refuse to compile, and the modules it
 * ships, answered in the host without loading isolated-vm — so the CLI's offline `validate`
 * checks definitions with the code the coordinator uses, in a plain `node` process.
 */
export { checkExpression, type ExpressionSyntaxError } from './expression-syntax.js';
export { BUILTIN_MODULES, type BuiltinModule } from './builtin-modules.js';
