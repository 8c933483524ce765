import { stepResultReads, type EdgeKind, type ReadRoot, type ResultReads, type Step, type WorkflowDefinition, type WorkflowGraph } from '@agentic-flow/spec';

/** The steps a branch or loop body covers in its own frame, and the loops whose frames nest inside it. */
export interface ScopeRegion {
  steps: ReadonlySet<string>;
  loops: readonly string[];
}

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
  /**
   * The steps that run in each scope's flow: the graph's members without recovery steps (an
   * `onError` alternative or compensation runs only in a failed step's place, never on its own).
   */
  readonly members: ReadonlyMap<string, readonly string[]>;
  /** Steps of each scope that nothing in the scope follows: their outputs are the scope's output. */
  readonly sinks: ReadonlyMap<string, readonly string[]>;
  /** For each branch or loop-body root: what cancelling that scope must reach. */
  readonly regions: ReadonlyMap<string, ScopeRegion>;
  /**
   * The results a step's code, expressions and templates read (see `ResultReads`): its scope holds
   * only those. Worked out on first use, so compiling a large definition stays quick.
   */
  readonly resultReads: (stepId: string) => ResultReads;
  /** Likewise for `steps` (what steps reported beside their results: an http step's status and headers). */
  readonly stepReads: (stepId: string) => ResultReads;
}

export function compileWorkflow(definition: WorkflowDefinition, graph: WorkflowGraph): CompiledWorkflow {
  const steps = new Map(definition.steps.map((step) => [step.id, step]));
  const flowEdges = new Map<string, EdgeKind>();
  for (const edges of graph.successors.values()) for (const edge of edges) flowEdges.set(`${edge.from}\u0000${edge.to}`, edge.kind);
  const members = new Map<string, string[]>();
  for (const [scope, ids] of graph.members)
    members.set(
      scope,
      ids.filter((id) => !graph.handlers.has(id)),
    );
  const sinks = new Map<string, string[]>();
  for (const [scope, ids] of members)
    sinks.set(
      scope,
      ids.filter((id) => (graph.successors.get(id) ?? []).length === 0),
    );
  const regions = new Map<string, ScopeRegion>();
  for (const root of graph.containerOf.keys()) regions.set(root, regionOf(root, members, steps));
  const cached = (root: ReadRoot) => {
    const reads = new Map<string, ResultReads>();
    return (stepId: string): ResultReads => {
      let found = reads.get(stepId);
      if (found === undefined) {
        found = stepResultReads(steps.get(stepId)!, root);
        reads.set(stepId, found);
      }
      return found;
    };
  };
  return { definition, graph, steps, flowEdges, members, sinks, regions, resultReads: cached('results'), stepReads: cached('steps') };
}

/** A scope's members plus, recursively, the branches of parallels inside it (they share the frame). */
function regionOf(root: string, members: ReadonlyMap<string, readonly string[]>, steps: Map<string, Step>): ScopeRegion {
  const covered = new Set<string>();
  const loops: string[] = [];
  const pending = [root];
  while (pending.length > 0) {
    for (const member of members.get(pending.pop()!) ?? []) {
      covered.add(member);
      const step = steps.get(member)!;
      if (step.type === 'parallel') pending.push(...step.config.steps);
      else if (step.type === 'loop') loops.push(member);
    }
  }
  return { steps: covered, loops };
}

export function stepOf(workflow: CompiledWorkflow, stepId: string): Step {
  const step = workflow.steps.get(stepId);
  // Validation guarantees every reference resolves; reaching this means a state/definition mismatch.
  if (!step) throw new Error(`step "${stepId}" is not in workflow ${workflow.definition.id}@${workflow.definition.version}`);
  return step;
}
