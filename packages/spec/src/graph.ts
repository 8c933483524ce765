import type { GraphStepView } from './graph-view.js';
import { formatPath, type Problem } from './problem.js';
import { isContainerStepType } from './step.js';

export type EdgeKind = 'next' | 'true' | 'false' | 'branch' | 'body' | 'alternative' | 'rollback';

export interface Edge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** Where the reference is written, e.g. `['steps', 2, 'next', 0]`. */
  at: PropertyKey[];
}

/** The scope of the top level. Other scopes are named by their root step: a branch root or a loop body root. */
export const TOP_SCOPE = '';

/**
 * The analysed structure of a valid workflow. Immutable: the coordinator builds it once per
 * definition version and shares it across executions.
 */
export interface WorkflowGraph {
  /** Step ids in definition order. */
  readonly order: readonly string[];
  /** `next`, `trueStep` and `falseStep` edges leaving each step (they stay inside one scope). */
  readonly successors: ReadonlyMap<string, readonly Edge[]>;
  /** Steps whose `next`/`trueStep`/`falseStep` point at each step: the join's inputs. */
  readonly predecessors: ReadonlyMap<string, readonly string[]>;
  /** Scope of each step: {@link TOP_SCOPE} or the root of the branch or loop body holding it. */
  readonly scopeOf: ReadonlyMap<string, string>;
  /** The parallel or loop step that owns a scope root. */
  readonly containerOf: ReadonlyMap<string, string>;
  /** Steps that start a scope: top-level entries (nothing points at them), or the scope's root. */
  readonly entries: ReadonlyMap<string, readonly string[]>;
  /** Every step of each scope, in definition order. */
  readonly members: ReadonlyMap<string, readonly string[]>;
  /** Steps that only run as an `onError` alternative or compensation. */
  readonly handlers: ReadonlySet<string>;
}

export interface GraphAnalysis {
  graph: WorkflowGraph;
  problems: Problem[];
}

const FLOW_KINDS: ReadonlySet<EdgeKind> = new Set(['next', 'true', 'false']);
const HANDLER_KINDS: ReadonlySet<EdgeKind> = new Set(['alternative', 'rollback']);

function edgesOf(step: GraphStepView): Edge[] {
  const base: PropertyKey[] = ['steps', step.index];
  const edges: Edge[] = [];
  const add = (to: string | undefined, kind: EdgeKind, at: PropertyKey[]): void => {
    if (to !== undefined) edges.push({ from: step.id, to, kind, at: [...base, ...at] });
  };
  step.next.forEach((to, j) => add(to, 'next', ['next', j]));
  add(step.trueStep, 'true', ['config', 'trueStep']);
  add(step.falseStep, 'false', ['config', 'falseStep']);
  step.branchRoots?.forEach((to, j) => add(to, 'branch', ['config', 'steps', j]));
  add(step.loopStep, 'body', ['config', 'loopStep']);
  add(step.alternativeStep, 'alternative', ['onError', 'alternativeStep']);
  step.rollbackSteps?.forEach((to, j) => add(to, 'rollback', ['onError', 'rollbackSteps', j]));
  return edges;
}

/**
 * Checks the graph rules — unique ids, known references, no cycles (only loop steps repeat work),
 * every step reachable, each step in exactly one scope — and returns every problem found.
 */
export function analyzeGraph(steps: readonly GraphStepView[]): GraphAnalysis {
  const problems: Problem[] = [];
  const report = (at: PropertyKey[], message: string): void => {
    problems.push({ path: formatPath(at), message });
  };

  const byId = new Map<string, GraphStepView>();
  for (const step of steps) {
    const first = byId.get(step.id);
    if (first) report(['steps', step.index, 'id'], `duplicate step id "${step.id}" (first used at ${formatPath(['steps', first.index])})`);
    else byId.set(step.id, step);
  }
  const unique = [...byId.values()];

  const edges: Edge[] = [];
  for (const step of unique) {
    const seen = new Set<string>();
    for (const edge of edgesOf(step)) {
      if (!byId.has(edge.to)) {
        report(edge.at, `unknown step "${edge.to}"`);
        continue;
      }
      if (edge.to === step.id) {
        if (HANDLER_KINDS.has(edge.kind))
          report(
            edge.at,
            `step "${step.id}" cannot be its own ${edge.kind === 'alternative' ? 'alternative' : 'compensation'}: it runs when "${step.id}" has just failed`,
          );
        else report(edge.at, `step "${step.id}" refers to itself; only a loop step repeats work`);
        continue;
      }
      const key = `${edge.kind === 'true' || edge.kind === 'false' ? 'next' : edge.kind}:${edge.to}`;
      if (seen.has(key)) {
        report(edge.at, `"${edge.to}" is listed twice`);
        continue;
      }
      seen.add(key);
      edges.push(edge);
    }
  }

  const outgoing = new Map<string, Edge[]>(unique.map((s) => [s.id, []]));
  const incoming = new Map<string, Edge[]>(unique.map((s) => [s.id, []]));
  for (const edge of edges) {
    outgoing.get(edge.from)!.push(edge);
    incoming.get(edge.to)!.push(edge);
  }

  reportRecoverySteps(unique, incoming, report);
  const inCycle = reportCycles(unique, outgoing, report);
  const { scopeOf, containerOf } = assignScopes(unique, incoming, outgoing, report);
  reportUnreachable(unique, incoming, outgoing, inCycle, report);
  reportDeepNesting(unique, scopeOf, containerOf, report);

  const successors = new Map<string, Edge[]>();
  const predecessors = new Map<string, string[]>();
  const handlers = new Set<string>();
  for (const step of unique) {
    successors.set(
      step.id,
      outgoing.get(step.id)!.filter((e) => FLOW_KINDS.has(e.kind)),
    );
    predecessors.set(
      step.id,
      incoming
        .get(step.id)!
        .filter((e) => FLOW_KINDS.has(e.kind))
        .map((e) => e.from),
    );
    const refs = incoming.get(step.id)!;
    if (refs.length > 0 && refs.every((e) => HANDLER_KINDS.has(e.kind))) handlers.add(step.id);
  }
  const entries = new Map<string, string[]>([[TOP_SCOPE, []]]);
  const members = new Map<string, string[]>([[TOP_SCOPE, []]]);
  for (const root of containerOf.keys()) {
    entries.set(root, [root]);
    members.set(root, []);
  }
  for (const step of unique) {
    const scope = scopeOf.get(step.id) ?? TOP_SCOPE;
    members.get(scope)?.push(step.id);
    if (scope === TOP_SCOPE && incoming.get(step.id)!.length === 0) entries.get(TOP_SCOPE)!.push(step.id);
  }
  if (unique.length > 0 && entries.get(TOP_SCOPE)!.length === 0) {
    report(['steps'], 'no entry step: every step is the target of another step, so nothing can start');
  }

  return {
    graph: { order: unique.map((s) => s.id), successors, predecessors, scopeOf, containerOf, entries, members, handlers },
    problems,
  };
}

type Report = (at: PropertyKey[], message: string) => void;

/**
 * Parallel and loop steps nested inside one another at most this deep. Each level wraps the outputs
 * below it once more (a loop's list of iterations, a parallel's branches) and lengthens instance
 * keys, so an unbounded nesting would make outputs too deep to store.
 */
export const MAX_SCOPE_DEPTH = 32;

function reportDeepNesting(steps: GraphStepView[], scopeOf: Map<string, string>, containerOf: Map<string, string>, report: Report): void {
  const depth = new Map<string, number>([[TOP_SCOPE, 0]]);
  const depthOf = (scope: string): number => {
    // Iterative: walk up to a scope whose depth is known, then fill in on the way back.
    const chain: string[] = [];
    let current = scope;
    while (!depth.has(current) && chain.length <= steps.length) {
      chain.push(current);
      current = scopeOf.get(containerOf.get(current) ?? '') ?? TOP_SCOPE;
    }
    let known = depth.get(current) ?? 0;
    for (let i = chain.length - 1; i >= 0; i--) depth.set(chain[i]!, ++known);
    return depth.get(scope)!;
  };
  const positions = new Map(steps.map((s) => [s.id, s.index]));
  for (const [root, container] of containerOf) {
    const levels = depthOf(root);
    if (levels === MAX_SCOPE_DEPTH + 1 && positions.has(container)) {
      report(['steps', positions.get(container)!], `step "${container}" nests parallel and loop steps ${levels} deep; at most ${MAX_SCOPE_DEPTH} are allowed`);
    }
  }
}

/** Tarjan's strongly connected components over every edge kind; each cycle is reported once. */
function reportCycles(steps: GraphStepView[], outgoing: Map<string, Edge[]>, report: Report): Set<string> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const inCycle = new Set<string>();
  let counter = 0;
  const positions = new Map(steps.map((s) => [s.id, s.index]));

  const strongConnect = (root: string): void => {
    // Iterative DFS: workflows can be long chains, recursion could overflow the stack.
    const work: { id: string; edge: number }[] = [{ id: root, edge: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const out = outgoing.get(frame.id)!;
      if (frame.edge < out.length) {
        const to = out[frame.edge++]!.to;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ id: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        if (component.length > 1) {
          component.sort((a, b) => positions.get(a)! - positions.get(b)!);
          component.forEach((id) => inCycle.add(id));
          const first = component[0]!;
          report(['steps', positions.get(first)!], `steps ${component.map((id) => `"${id}"`).join(', ')} form a cycle; only a loop step repeats work`);
        }
      }
    }
  };
  for (const step of steps) if (!index.has(step.id)) strongConnect(step.id);
  return inCycle;
}

/**
 * Gives each step one scope: the top level, or the branch/body of the container whose root reaches
 * it by `next`. A step reached from two scopes is an error: a branch must not lead out of itself.
 */
function assignScopes(
  steps: GraphStepView[],
  incoming: Map<string, Edge[]>,
  outgoing: Map<string, Edge[]>,
  report: Report,
): { scopeOf: Map<string, string>; containerOf: Map<string, string> } {
  const scopeOf = new Map<string, string>();
  const containerOf = new Map<string, string>();
  const describe = (scope: string): string =>
    scope === TOP_SCOPE ? 'the top level' : `the ${kindOf(containerOf.get(scope)!)} of "${containerOf.get(scope)}" (root "${scope}")`;
  const kinds = new Map(steps.map((s) => [s.id, s.type]));
  const kindOf = (container: string): string => (kinds.get(container) === 'loop' ? 'loop body' : 'branch');
  const conflicted = new Set<string>();

  for (const step of steps) {
    const roots = incoming.get(step.id)!.filter((e) => e.kind === 'branch' || e.kind === 'body');
    if (roots.length > 1) {
      conflicted.add(step.id);
      report(
        roots[1]!.at,
        `step "${step.id}" is already the root of ${roots[0]!.kind === 'body' ? 'the loop body' : 'a branch'} of "${roots[0]!.from}"; a step can start only one branch or loop body`,
      );
    }
    if (roots.length > 0) {
      containerOf.set(step.id, roots[0]!.from);
      scopeOf.set(step.id, step.id);
      // A recovery step that also starts a branch or body is reported by reportRecoverySteps.
      if (incoming.get(step.id)!.some((e) => HANDLER_KINDS.has(e.kind))) conflicted.add(step.id);
      const flow = incoming.get(step.id)!.find((e) => e.kind !== 'branch' && e.kind !== 'body' && !HANDLER_KINDS.has(e.kind));
      if (flow && !conflicted.has(step.id)) {
        conflicted.add(step.id);
        report(
          flow.at,
          `"${step.id}" starts ${roots[0]!.kind === 'body' ? 'the loop body' : 'a branch'} of "${roots[0]!.from}" and cannot also follow "${flow.from}"`,
        );
      }
    } else if (incoming.get(step.id)!.length === 0) {
      scopeOf.set(step.id, TOP_SCOPE);
    }
  }

  const queue = [...scopeOf.keys()];
  while (queue.length > 0) {
    const from = queue.shift()!;
    const scope = scopeOf.get(from)!;
    for (const edge of outgoing.get(from)!) {
      if (edge.kind === 'branch' || edge.kind === 'body') continue;
      const current = scopeOf.get(edge.to);
      if (current === undefined) {
        scopeOf.set(edge.to, scope);
        queue.push(edge.to);
      } else if (current !== scope && !conflicted.has(edge.to)) {
        conflicted.add(edge.to);
        if (HANDLER_KINDS.has(edge.kind)) {
          report(
            edge.at,
            `"${edge.to}" already recovers steps of ${describe(current)} and cannot also recover "${from}" in ${describe(scope)}; a recovery step serves steps of one scope`,
          );
          continue;
        }
        report(
          edge.at,
          `"${edge.to}" belongs to ${describe(current)} but is reached from "${from}" in ${describe(scope)}; a branch or loop body cannot lead out of itself (use the container's own "next" to continue after it)`,
        );
      }
    }
  }
  return { scopeOf, containerOf };
}

function reportUnreachable(steps: GraphStepView[], incoming: Map<string, Edge[]>, outgoing: Map<string, Edge[]>, inCycle: Set<string>, report: Report): void {
  const reached = new Set<string>();
  const queue = steps.filter((s) => incoming.get(s.id)!.length === 0).map((s) => s.id);
  queue.forEach((id) => reached.add(id));
  while (queue.length > 0) {
    for (const edge of outgoing.get(queue.shift()!)!) {
      if (!reached.has(edge.to)) {
        reached.add(edge.to);
        queue.push(edge.to);
      }
    }
  }
  if (reached.size === 0) return; // "no entry step" is reported once instead
  for (const step of steps) {
    if (!reached.has(step.id) && !inCycle.has(step.id)) {
      report(['steps', step.index], `step "${step.id}" is unreachable: no entry step leads to it`);
    }
  }
}

const REFERENCE_NAMES: Record<EdgeKind, string> = {
  next: 'a "next" step',
  true: 'a "trueStep"',
  false: 'a "falseStep"',
  branch: 'a branch root',
  body: 'a loop body',
  alternative: 'an alternative',
  rollback: 'a compensation',
};

/**
 * Steps named by `onError` as an alternative or a compensation (recovery steps) run only when the
 * step naming them fails, as one step instance in that step's place: so nothing else may lead to
 * them, nothing may follow them, and they cannot open branches or iterations of their own.
 */
function reportRecoverySteps(steps: GraphStepView[], incoming: Map<string, Edge[]>, report: Report): void {
  for (const step of steps) {
    const refs = incoming.get(step.id)!;
    const handlerRef = refs.find((e) => HANDLER_KINDS.has(e.kind));
    if (!handlerRef) continue;
    const role = `${handlerRef.kind === 'alternative' ? 'the alternative' : 'a compensation'} of "${handlerRef.from}"`;
    for (const ref of refs) {
      if (HANDLER_KINDS.has(ref.kind)) continue;
      report(
        ref.at,
        `"${step.id}" is ${role} and cannot also be ${REFERENCE_NAMES[ref.kind]} of "${ref.from}": a step named in onError runs only when the step naming it fails`,
      );
    }
    if (step.next.length > 0) {
      report(
        ['steps', step.index, 'next'],
        `step "${step.id}" is ${role} and cannot have "next": after a recovery step, the workflow goes on from the step it recovers (an alternative's output stands in for it; compensations end in its failure)`,
      );
    }
    const sides: [string | undefined, string][] = [
      [step.trueStep, 'trueStep'],
      [step.falseStep, 'falseStep'],
    ];
    for (const [target, field] of sides) {
      if (target === undefined) continue;
      report(
        ['steps', step.index, 'config', field],
        `step "${step.id}" is ${role} and cannot have a "${field}": after a recovery step, the workflow goes on from the step it recovers`,
      );
    }
    if (isContainerStepType(step.type)) {
      report(
        ['steps', step.index, 'type'],
        `step "${step.id}" is ${role} and cannot be a ${step.type}: a recovery step runs as a single step instance in the failed step's place, while a ${step.type} opens ${step.type === 'parallel' ? 'branches' : 'iterations'} of its own`,
      );
    }
  }
}
