import { compileWorkflow, type CompiledWorkflow } from '@agentic-flow/engine';
import { formatPath, validateDefinition, type Problem, type WorkflowDefinition } from '@agentic-flow/spec';
import { findDefinition, insertDefinition, type Database, type DefinitionRow, type InsertDefinitionOutcome } from '@agentic-flow/store';
import { ApiError, validationFailed } from '../http/api-error.js';
import { contentHash } from './canonical-json.js';

export interface RegisterOutcome {
  id: string;
  version: string;
  outcome: Exclude<InsertDefinitionOutcome, 'conflict'>;
}

/**
 * Definitions are immutable per (id, version), so each compiled workflow is cached for good; the
 * cache is bounded (least recently used out) so a coordinator serving many versions stays small.
 */
export class WorkflowRegistry {
  private readonly cache = new Map<string, CompiledWorkflow>();

  constructor(
    private readonly db: Database,
    private readonly options: {
      cacheSize: number;
      now: () => number;
      /** Compiles an expression in the sandbox without running it; null when it is valid. */
      checkExpression: (expression: string) => { message: string } | null;
    },
  ) {}

  /** Validates and stores a definition. Throws 400 with every problem, or 409 on a content conflict. */
  async register(input: unknown): Promise<RegisterOutcome> {
    const result = validateDefinition(input);
    // Expressions are checked on the raw input too, so their problems come with the schema's, all at once.
    const syntax = expressionProblems(input, this.options.checkExpression);
    if (!result.ok || syntax.length > 0) throw validationFailed([...(result.ok ? [] : result.problems), ...syntax], 'workflow definition');
    const definition = result.definition;
    const outcome = await insertDefinition(this.db, {
      id: definition.id,
      version: definition.version,
      name: definition.name,
      description: definition.description ?? null,
      definition,
      contentHash: contentHash(definition),
      createdAt: new Date(this.options.now()),
    });
    if (outcome === 'conflict') {
      throw new ApiError(
        'VERSION_CONFLICT',
        `workflow "${definition.id}" version "${definition.version}" already exists with different content; definitions are immutable, register a new version`,
      );
    }
    this.remember(compileWorkflow(definition, result.graph));
    return { id: definition.id, version: definition.version, outcome };
  }

  /** The stored definition row, latest version when `version` is omitted; 404 when there is none. */
  async find(id: string, version?: string): Promise<DefinitionRow> {
    const row = await findDefinition(this.db, id, version);
    if (!row) {
      const what = version === undefined ? `workflow "${id}"` : `workflow "${id}" version "${version}"`;
      throw new ApiError('WORKFLOW_NOT_FOUND', `${what} does not exist`);
    }
    return row;
  }

  /** The compiled workflow for an exact version (cached), or for the latest version. */
  async compiled(id: string, version?: string): Promise<CompiledWorkflow> {
    if (version !== undefined) {
      const hit = this.cache.get(cacheKey(id, version));
      if (hit) {
        // Re-insert to mark it most recently used.
        this.cache.delete(cacheKey(id, version));
        this.cache.set(cacheKey(id, version), hit);
        return hit;
      }
    }
    const row = await this.find(id, version);
    return this.cache.get(cacheKey(row.id, row.version)) ?? this.remember(compileStored(row));
  }

  private remember(workflow: CompiledWorkflow): CompiledWorkflow {
    const key = cacheKey(workflow.definition.id, workflow.definition.version);
    this.cache.delete(key);
    this.cache.set(key, workflow);
    if (this.cache.size > this.options.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return workflow;
  }
}

// A Map, not an object literal: the type comes from the raw input, and a step of type
// "__proto__" or "constructor" must find nothing here, not Object.prototype (found by api-fuzz).
const EXPRESSION_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['condition', ['condition']],
  ['loop', ['condition', 'breakCondition']],
]);

/** Every condition and loop expression of a (raw) definition, compiled — not run — in the sandbox. */
function expressionProblems(input: unknown, check: (expression: string) => { message: string } | null): Problem[] {
  const steps = (input as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) return [];
  const problems: Problem[] = [];
  steps.forEach((step: unknown, index) => {
    const { type, config } = (step ?? {}) as { type?: unknown; config?: Record<string, unknown> };
    for (const field of EXPRESSION_FIELDS.get(String(type)) ?? []) {
      const expression = config?.[field];
      if (typeof expression !== 'string' || expression === '') continue;
      const error = check(expression);
      if (error) problems.push({ path: formatPath(['steps', index, 'config', field]), message: `invalid expression: ${error.message}` });
    }
  });
  return problems;
}

function cacheKey(id: string, version: string): string {
  return `${id}@${version}`;
}

function compileStored(row: DefinitionRow): CompiledWorkflow {
  const result = validateDefinition(row.definition);
  if (!result.ok) {
    // Stored definitions were valid when written; this means the language changed incompatibly.
    const problems = result.problems.map((p: Problem) => `${p.path}: ${p.message}`).join('; ');
    throw new ApiError('INTERNAL', `stored workflow "${row.id}" version "${row.version}" no longer validates: ${problems}`);
  }
  return compileWorkflow(result.definition as WorkflowDefinition, result.graph);
}
