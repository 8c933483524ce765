import { compileWorkflow, type CompiledWorkflow } from '@agentic-flow/engine';
import type { Problem } from '@agentic-flow/spec';
import type { PendingAudit } from '../auth/pending-audit.js';
import {
  findDefinition,
  insertDefinition,
  runInTransactionWithAudit,
  type Database,
  type DefinitionRow,
  type InsertDefinitionOutcome,
} from '@agentic-flow/store';
import { DomainError } from '../errors/domain-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { childWorkflowProblems } from './child-workflow-references.js';
import type { DefinitionCaps } from './definition-check.js';
import type { DefinitionChecker } from './definition-checker.js';

export interface RegisterOutcome {
  id: string;
  version: string;
  outcome: Exclude<InsertDefinitionOutcome, 'conflict'>;
}

/**
 * Definitions are immutable per (namespace, id, version), so each compiled workflow is cached for
 * good; the cache is bounded (least recently used out) so a coordinator serving many versions stays
 * small. The same id may name different workflows in two namespaces: every lookup names the
 * namespace (a request's, or an execution's).
 */
export class WorkflowRegistry {
  private readonly cache = new Map<string, CompiledWorkflow>();
  /** Compilations under way, so a batch of results of one uncached workflow checks it once. */
  private readonly compiling = new Map<string, Promise<CompiledWorkflow>>();

  constructor(
    private readonly db: Database,
    private readonly options: {
      cacheSize: number;
      now: () => number;
      /** Validates definitions off the event loop. */
      checker: DefinitionChecker;
      /** The operator's caps a new definition must stay within. */
      caps: DefinitionCaps;
    },
  ) {}

  /** Validates and stores a definition in `namespace`. Throws `VALIDATION_FAILED` with every problem, or `VERSION_CONFLICT` when the id and version exist with other content. */
  async register(namespace: string, input: unknown, audit?: PendingAudit): Promise<RegisterOutcome> {
    const result = await this.options.checker.check(input, this.options.caps);
    if (!result.ok) throw new InvalidInputError(result.problems, 'workflow definition');
    const definition = result.definition;
    const childProblems = await childWorkflowProblems(this.db, namespace, definition);
    if (childProblems.length > 0) throw new InvalidInputError(childProblems, 'workflow definition');
    await new Promise((resolve) => setImmediate(resolve));
    // A conflict throws inside the transaction, so the call's audit record is not written as a success.
    const outcome = await runInTransactionWithAudit(this.db, audit?.take(201), async (tx) => {
      const inserted = await insertDefinition(tx, {
        namespace,
        id: definition.id,
        version: definition.version,
        name: definition.name,
        description: definition.description ?? null,
        definition,
        contentHash: result.contentHash,
        createdAt: new Date(this.options.now()),
      });
      if (inserted === 'conflict') {
        throw new DomainError(
          'VERSION_CONFLICT',
          `workflow "${definition.id}" version "${definition.version}" already exists with different content; definitions are immutable, register a new version`,
        );
      }
      return inserted;
    });
    audit?.confirm();
    await new Promise((resolve) => setImmediate(resolve));
    this.remember(namespace, compileWorkflow(definition, result.graph));
    return { id: definition.id, version: definition.version, outcome };
  }

  /** The namespace's stored definition row, latest version when `version` is omitted; `WORKFLOW_NOT_FOUND` when there is none. */
  async find(namespace: string, id: string, version?: string): Promise<DefinitionRow> {
    const row = await findDefinition(this.db, namespace, id, version);
    if (!row) {
      const what = version === undefined ? `workflow "${id}"` : `workflow "${id}" version "${version}"`;
      throw new DomainError('WORKFLOW_NOT_FOUND', `${what} does not exist`);
    }
    return row;
  }

  /** The namespace's compiled workflow for an exact version (cached), or for the latest version. */
  async compiled(namespace: string, id: string, version?: string): Promise<CompiledWorkflow> {
    if (version !== undefined) {
      const key = cacheKey(namespace, id, version);
      const hit = this.cache.get(key);
      if (hit) {
        // Re-insert to mark it most recently used.
        this.cache.delete(key);
        this.cache.set(key, hit);
        return hit;
      }
    }
    const row = await this.find(namespace, id, version);
    const key = cacheKey(namespace, row.id, row.version);
    const cached = this.cache.get(key);
    if (cached) return cached;
    let compiling = this.compiling.get(key);
    if (compiling === undefined) {
      compiling = this.compileStored(row)
        .then((workflow) => this.remember(namespace, workflow))
        .finally(() => this.compiling.delete(key));
      this.compiling.set(key, compiling);
    }
    return compiling;
  }

  /** A stored definition, checked again (off the event loop) and compiled; caps apply only to new ones. */
  private async compileStored(row: DefinitionRow): Promise<CompiledWorkflow> {
    const result = await this.options.checker.check(row.definition);
    if (!result.ok) {
      // Stored definitions were valid when written; this means the language changed incompatibly.
      const problems = result.problems.map((p: Problem) => `${p.path}: ${p.message}`).join('; ');
      throw new DomainError(
        'INTERNAL',
        `stored workflow "${row.id}" version "${row.version}" of namespace "${row.namespace}" no longer validates: ${problems}`,
      );
    }
    return compileWorkflow(result.definition, result.graph);
  }

  private remember(namespace: string, workflow: CompiledWorkflow): CompiledWorkflow {
    const key = cacheKey(namespace, workflow.definition.id, workflow.definition.version);
    this.cache.delete(key);
    this.cache.set(key, workflow);
    if (this.cache.size > this.options.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return workflow;
  }
}

function cacheKey(namespace: string, id: string, version: string): string {
  // A namespace name has no "/" and an id no "@": the key is unambiguous.
  return `${namespace}/${id}@${version}`;
}
