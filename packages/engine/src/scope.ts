import type { TemplateScope } from '@agentic-flow/spec';
import type { StepContextPayload } from './commands.js';
import type { ExecutionState } from './execution-state.js';
import { frameOf } from './instance-key.js';

/** True when `frame` is `ancestor` or lies inside it. */
function within(frame: string, ancestor: string): boolean {
  return ancestor === '' || frame === ancestor || frame.startsWith(`${ancestor}/`);
}

/**
 * The outputs a step in `frame` can read, by step id: succeeded instances in its own frame and the
 * frames enclosing it. An inner frame's instance shadows an outer one of the same step.
 */
export function visibleResults(state: ExecutionState, frame: string): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  const depth: Record<string, number> = {};
  for (const [key, node] of Object.entries(state.nodes)) {
    if (node.status !== 'succeeded') continue;
    const nodeFrame = frameOf(key);
    if (!within(frame, nodeFrame)) continue;
    const d = nodeFrame.length;
    if ((depth[node.stepId] ?? -1) <= d) {
      results[node.stepId] = node.output;
      depth[node.stepId] = d;
    }
  }
  return results;
}

export function executionInfo(state: ExecutionState): StepContextPayload['execution'] {
  return { id: state.executionId, workflowId: state.workflowId, workflowVersion: state.workflowVersion };
}

export function stepContext(state: ExecutionState, frame: string): StepContextPayload {
  return { results: visibleResults(state, frame), variables: state.variables, input: state.input, execution: executionInfo(state) };
}

export function templateScope(state: ExecutionState, frame: string): TemplateScope {
  return {
    variables: state.variables,
    results: visibleResults(state, frame),
    input: state.input,
    execution: {
      ...executionInfo(state),
      startedAt: state.startedAt === null ? null : new Date(state.startedAt).toISOString(),
    },
  };
}
