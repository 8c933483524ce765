import type { CompiledWorkflow } from './compiled-workflow.js';
import type { ScopePayload } from './commands.js';
import type { ExecutionState } from './execution-state.js';
import { frameOf } from './instance-key.js';
import { loopInfo, scopeFor } from './scope.js';
import { branchChain, variablesView } from './variables.js';

/**
 * The scope a step instance reads, from an execution's current state: what the shell puts in a job
 * it has to enqueue again (the reconciler, after Redis lost it) without a new transition.
 */
export function stepScope(workflow: CompiledWorkflow, state: ExecutionState, key: string, stepId: string): ScopePayload {
  const frame = frameOf(key);
  return scopeFor(workflow, state, frame, stepId, variablesView(state, branchChain(workflow, frame, stepId)), loopInfo(frame));
}
