import { TOP_SCOPE } from '@agentic-flow/spec';
import type { CompiledWorkflow } from './compiled-workflow.js';
import type { ExecutionState } from './execution-state.js';
import { frameOf, instanceKey, scopeAnchor } from './instance-key.js';

/**
 * The parallel branches enclosing a step instance, innermost first, as branch instance keys.
 * Loops do not isolate variables (iterations are sequential); parallel branches do.
 */
export function branchChain(workflow: CompiledWorkflow, stepFrame: string, instanceStepId: string): string[] {
  const { scopeOf, containerOf } = workflow.graph;
  // A recovery step (in a pseudo-frame) sees and sets the variables of the failed instance it serves.
  const { frame, stepId } = scopeAnchor(stepFrame, instanceStepId);
  const chain: string[] = [];
  let currentFrame = frame;
  let scope = scopeOf.get(stepId) ?? TOP_SCOPE;
  while (scope !== TOP_SCOPE) {
    const container = containerOf.get(scope)!;
    if (workflow.steps.get(container)!.type === 'parallel') chain.push(instanceKey(currentFrame, scope));
    // A loop body lives in an iteration frame `…/loop#i`; the loop itself is in the frame around it.
    else currentFrame = frameOf(currentFrame);
    scope = scopeOf.get(container) ?? TOP_SCOPE;
  }
  return chain;
}

/** Variables as a step instance sees them: the execution's, then each enclosing branch's updates. */
export function variablesView(state: ExecutionState, chain: readonly string[]): Record<string, unknown> {
  if (chain.length === 0) return state.variables;
  let view = state.variables;
  for (let i = chain.length - 1; i >= 0; i--) {
    const overlay = state.overlays[chain[i]!];
    if (overlay) view = { ...view, ...overlay };
  }
  return view;
}
