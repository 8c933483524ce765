import { checkExpression } from '@agentic-flow/sandbox';
import { formatPath, validateDefinition, type Problem, type WorkflowDefinition, type WorkflowGraph } from '@agentic-flow/spec';
import { contentHash } from './canonical-json.js';
import { decodeGraph, encodeGraph, type EncodedGraph } from './graph-codec.js';

/** What this cluster allows a definition to ask for: a step asking more is refused at registration. */
export interface DefinitionCaps {
  /** `SCRIPT_MAX_TIMEOUT_MS`: the longest script `timeout`. */
  scriptMaxTimeoutMs: number;
  /** `SCRIPT_MAX_MEMORY_MB`: the largest script `memoryLimit`. */
  scriptMaxMemoryMb: number;
  /**
   * The modules scripts may `require`: the workers' module registry (`BUILTIN_MODULES`). A script
   * listing another in `allowedModules` is refused here, naming it and these, rather than failing
   * `MODULE_NOT_ALLOWED` on its first run.
   */
  scriptModules: readonly string[];
}

export type DefinitionCheck = { ok: true; definition: WorkflowDefinition; graph: WorkflowGraph; contentHash: string } | { ok: false; problems: Problem[] };

/** A check as it crosses from the checking thread: the definition as JSON text, the graph as index arrays (both cheap to receive). */
export type EncodedCheck = { ok: true; definitionJson: string; graph: EncodedGraph; contentHash: string } | { ok: false; problems: Problem[] };

export function encodeCheck(check: DefinitionCheck): EncodedCheck {
  if (!check.ok) return check;
  return { ok: true, definitionJson: JSON.stringify(check.definition), graph: encodeGraph(check.graph), contentHash: check.contentHash };
}

/** Decodes in two ticks (the definition, then its graph): each is tens of milliseconds for 10,000 steps. */
export async function decodeCheck(encoded: EncodedCheck): Promise<DefinitionCheck> {
  if (!encoded.ok) return encoded;
  const definition = JSON.parse(encoded.definitionJson) as WorkflowDefinition;
  await new Promise((resolve) => setImmediate(resolve));
  return { ok: true, definition, graph: decodeGraph(encoded.graph), contentHash: encoded.contentHash };
}

/**
 * Everything registering a definition checks, as one pure function: the schema, the graph and the
 * templates (`validateDefinition`), the syntax of every expression, the operator's caps; and the
 * content hash that makes definitions immutable. Run off the event loop (`DefinitionChecker`): for
 * a definition of tens of thousands of steps it takes a second.
 */
export function checkDefinition(input: unknown, caps: DefinitionCaps | undefined): DefinitionCheck {
  const result = validateDefinition(input);
  // Expressions and caps are checked on the raw input too, so their problems come with the schema's, all at once.
  const problems = [...(result.ok ? [] : result.problems), ...expressionProblems(input), ...(caps ? capProblems(input, caps) : [])];
  if (!result.ok || problems.length > 0) return { ok: false, problems };
  return { ok: true, definition: result.definition, graph: result.graph, contentHash: contentHash(result.definition) };
}

// A Map, not an object literal: the type comes from the raw input, and a step of type
// "__proto__" or "constructor" must find nothing here, not Object.prototype (found by api-fuzz).
const EXPRESSION_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['condition', ['condition']],
  ['loop', ['condition', 'breakCondition']],
]);

function rawSteps(input: unknown): unknown[] {
  const steps = (input as { steps?: unknown } | null)?.steps;
  return Array.isArray(steps) ? steps : [];
}

/** Every condition and loop expression of a (raw) definition, compiled — not run. */
function expressionProblems(input: unknown): Problem[] {
  const problems: Problem[] = [];
  rawSteps(input).forEach((step: unknown, index) => {
    const { type, config } = (step ?? {}) as { type?: unknown; config?: Record<string, unknown> };
    for (const field of EXPRESSION_FIELDS.get(String(type)) ?? []) {
      const expression = config?.[field];
      if (typeof expression !== 'string' || expression === '') continue;
      const error = checkExpression(expression);
      if (error) problems.push({ path: formatPath(['steps', index, 'config', field]), message: `invalid expression: ${error.message}` });
    }
  });
  return problems;
}

function capProblems(input: unknown, caps: DefinitionCaps): Problem[] {
  const problems: Problem[] = [];
  rawSteps(input).forEach((step: unknown, index) => {
    const { type, config } = (step ?? {}) as { type?: unknown; config?: Record<string, unknown> };
    if (type !== 'script') return;
    const timeout = config?.['timeout'];
    if (typeof timeout === 'number' && timeout > caps.scriptMaxTimeoutMs) {
      problems.push({ path: formatPath(['steps', index, 'config', 'timeout']), message: `${timeout} ms is over this cluster's SCRIPT_MAX_TIMEOUT_MS (${caps.scriptMaxTimeoutMs} ms)` });
    }
    const memory = config?.['memoryLimit'];
    if (typeof memory === 'number' && memory > caps.scriptMaxMemoryMb) {
      problems.push({ path: formatPath(['steps', index, 'config', 'memoryLimit']), message: `${memory} MiB is over this cluster's SCRIPT_MAX_MEMORY_MB (${caps.scriptMaxMemoryMb} MiB)` });
    }
    const modules = config?.['allowedModules'];
    if (!Array.isArray(modules)) return;
    modules.forEach((name: unknown, at) => {
      if (typeof name !== 'string' || name === '' || caps.scriptModules.includes(name)) return;
      const registered = caps.scriptModules.length === 0 ? 'none' : caps.scriptModules.join(', ');
      problems.push({ path: formatPath(['steps', index, 'config', 'allowedModules', at]), message: `module "${name}" is not in this cluster's module registry (registered: ${registered})` });
    });
  });
  return problems;
}
