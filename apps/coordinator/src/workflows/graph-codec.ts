import { TOP_SCOPE, type Edge, type EdgeKind, type WorkflowGraph } from '@agentic-flow/spec';

/**
 * A workflow graph as arrays of step indexes: what the definition checker's thread sends back. A
 * graph of ten thousand steps as Maps of edge objects takes the receiving thread ~100 ms to
 * deserialize; as index arrays, a few milliseconds (edges' source paths, used only to word
 * validation problems, are left out).
 */
export interface EncodedGraph {
  order: string[];
  /** Per step: its flow edges as [target index, kind index] pairs, flattened. */
  successors: number[][];
  /** Per step: the index of its scope's root, -1 at the top level. */
  scopeOf: number[];
  /** [scope root index, container index] pairs, flattened. */
  containers: number[];
  /** Per scope (root index, -1 for the top level): its entries, then its members. */
  scopes: { root: number; entries: number[]; members: number[] }[];
  handlers: number[];
}

const KINDS: readonly EdgeKind[] = ['next', 'true', 'false', 'branch', 'body', 'alternative', 'rollback'];

export function encodeGraph(graph: WorkflowGraph): EncodedGraph {
  const index = new Map(graph.order.map((id, i) => [id, i]));
  const at = (id: string): number => (id === TOP_SCOPE ? -1 : index.get(id)!);
  return {
    order: [...graph.order],
    successors: graph.order.map((id) => (graph.successors.get(id) ?? []).flatMap((edge) => [index.get(edge.to)!, KINDS.indexOf(edge.kind)])),
    scopeOf: graph.order.map((id) => at(graph.scopeOf.get(id) ?? TOP_SCOPE)),
    containers: [...graph.containerOf].flatMap(([root, container]) => [index.get(root)!, index.get(container)!]),
    scopes: [...graph.members.keys()].map((scope) => ({
      root: at(scope),
      entries: (graph.entries.get(scope) ?? []).map(at),
      members: graph.members.get(scope)!.map(at),
    })),
    handlers: [...graph.handlers].map(at),
  };
}

export function decodeGraph(encoded: EncodedGraph): WorkflowGraph {
  const { order } = encoded;
  const id = (i: number): string => (i === -1 ? TOP_SCOPE : order[i]!);
  const successors = new Map<string, Edge[]>();
  const predecessors = new Map<string, string[]>(order.map((step) => [step, []]));
  order.forEach((from, i) => {
    const pairs = encoded.successors[i]!;
    const edges: Edge[] = [];
    for (let j = 0; j < pairs.length; j += 2) {
      const to = order[pairs[j]!]!;
      edges.push({ from, to, kind: KINDS[pairs[j + 1]!]!, at: [] });
      predecessors.get(to)!.push(from);
    }
    successors.set(from, edges);
  });
  const scopeOf = new Map<string, string>(order.map((step, i) => [step, id(encoded.scopeOf[i]!)]));
  const containerOf = new Map<string, string>();
  for (let j = 0; j < encoded.containers.length; j += 2) containerOf.set(order[encoded.containers[j]!]!, order[encoded.containers[j + 1]!]!);
  const entries = new Map<string, string[]>();
  const members = new Map<string, string[]>();
  for (const scope of encoded.scopes) {
    entries.set(id(scope.root), scope.entries.map(id));
    members.set(id(scope.root), scope.members.map(id));
  }
  return { order, successors, predecessors, scopeOf, containerOf, entries, members, handlers: new Set(encoded.handlers.map(id)) };
}
