import type { EdgeKind, Step, WorkflowDefinition, WorkflowGraph } from '@agentic-flow/spec';

/**
 * A validated definition with its graph and lookups, built once per definition version and shared
 * by every execution of it (definitions are immutable).
 */
export interface CompiledWorkflow {
  readonly definition: WorkflowDefinition;
  readonly graph: WorkflowGraph;
  readonly steps: ReadonlyMap<string, Step>;
  /** Kind of the flow edge (`next`, `true`, `false`) from one step to another, keyed `from\u0000to`. */
  readonly flowEdges: ReadonlyMap<string, EdgeKind>;
}

export function compileWorkflow(definition: WorkflowDefinition, graph: WorkflowGraph): CompiledWorkflow {
  const flowEdges = new Map<string, EdgeKind>();
  for (const edges of graph.successors.values()) for (const edge of edges) flowEdges.set(`${edge.from}\u0000${edge.to}`, edge.kind);
  return { definition, graph, steps: new Map(definition.steps.map((step) => [step.id, step])), flowEdges };
}

export function stepOf(workflow: CompiledWorkflow, stepId: string): Step {
  const step = workflow.steps.get(stepId);
  // Validation guarantees every reference resolves; reaching this means a state/definition mismatch.
  if (!step) throw new Error(`step "${stepId}" is not in workflow ${workflow.definition.id}@${workflow.definition.version}`);
  return step;
}
