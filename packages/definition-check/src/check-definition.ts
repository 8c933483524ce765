import { validateDefinition, type Problem, type WorkflowDefinition, type WorkflowGraph } from '@agentic-flow/spec';
import { capProblems, type DefinitionCaps } from './definition-caps.js';
import { expressionProblems } from './expression-problems.js';

export type DefinitionVerdict = { ok: true; definition: WorkflowDefinition; graph: WorkflowGraph } | { ok: false; problems: Problem[] };

/**
 * Everything registering a definition checks, as one pure function: the schema, the graph and the
 * templates (`validateDefinition`), the syntax of every expression as the sandbox compiles it, and
 * the cluster's caps (omitted: none, as for definitions stored before the caps). The coordinator
 * runs it on its checking thread, the CLI's `validate` in its own process: one code, one verdict.
 *
 * @example
 * const verdict = checkDefinition(JSON.parse(text), DEFAULT_DEFINITION_CAPS);
 * if (!verdict.ok) for (const p of verdict.problems) console.error(`${p.path}: ${p.message}`);
 */
export function checkDefinition(input: unknown, caps: DefinitionCaps | undefined): DefinitionVerdict {
  const result = validateDefinition(input);
  // Expressions and caps are checked on the raw input too, so their problems come with the schema's, all at once.
  const problems = [...(result.ok ? [] : result.problems), ...expressionProblems(input), ...(caps ? capProblems(input, caps) : [])];
  if (!result.ok || problems.length > 0) return { ok: false, problems };
  return { ok: true, definition: result.definition, graph: result.graph };
}
