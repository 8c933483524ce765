import { ALL_RESULTS, type ResultReads, type TemplateScope } from '@agentic-flow/spec';
import type { ExpressionScopePayload, StepContextPayload } from './commands.js';
import type { ExecutionState } from './execution-state.js';
import { frameOf, hostKeyOf, instanceKey, parseIterationFrame, scopeAnchor } from './instance-key.js';

/** True when `frame` is `ancestor` or lies inside it. */
function within(frame: string, ancestor: string): boolean {
  return ancestor === '' || frame === ancestor || frame.startsWith(`${ancestor}/`);
}

/**
 * The outputs a step in `frame` can read, by step id: succeeded instances in its own frame and the
 * frames enclosing it. An inner frame's instance shadows an outer one of the same step. Recovery
 * steps and a coordinator agent's subtasks and synthesis are never results of their own: the
 * instance they serve holds the output that counts. With `reads` listing step ids, only those are
 * looked up (a few lookups per frame level, whatever the size of the execution).
 */
export function visibleResults(state: ExecutionState, stepFrame: string, reads: ResultReads = ALL_RESULTS): Record<string, unknown> {
  // A recovery step's pseudo-frame reads what the failed instance reads.
  const frame = scopeAnchor(stepFrame, '').frame;
  if (!reads.all) return readResults(state, frame, reads.steps);
  const results: Record<string, unknown> = {};
  const depth: Record<string, number> = {};
  for (const [key, node] of Object.entries(state.nodes)) {
    if (node.status !== 'succeeded') continue;
    const nodeFrame = frameOf(key);
    if (!within(frame, nodeFrame) || hostKeyOf(key) !== undefined) continue;
    const d = nodeFrame.length;
    if ((depth[node.stepId] ?? -1) <= d) {
      results[node.stepId] = node.output;
      depth[node.stepId] = d;
    }
  }
  return results;
}

function readResults(state: ExecutionState, frame: string, steps: ReadonlySet<string>): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  if (steps.size === 0) return results;
  const frames = [frame];
  for (let f = frame; f !== ''; ) frames.push((f = frameOf(f)));
  for (const stepId of steps) {
    for (const f of frames) {
      const node = state.nodes[instanceKey(f, stepId)];
      if (node?.status === 'succeeded' && node.stepId === stepId) {
        results[stepId] = node.output;
        break;
      }
    }
  }
  return results;
}

/**
 * `{ iteration }` of the innermost loop around `frame` (its innermost `loop#i` segment, so a
 * recovery step's pseudo-frame inside an iteration has it too), or undefined outside loops.
 */
export function loopInfo(frame: string): { iteration: number } | undefined {
  const segments = frame === '' ? [] : frame.split('/');
  for (let i = segments.length - 1; i >= 0; i--) {
    const parsed = parseIterationFrame(segments[i]!);
    if (parsed) return { iteration: parsed.iteration };
  }
  return undefined;
}

export function executionInfo(state: ExecutionState): StepContextPayload['execution'] {
  return { id: state.executionId, workflowId: state.workflowId, workflowVersion: state.workflowVersion };
}

/**
 * What expressions, templates and scripts see. `resultsFrame` is where results are read from (a
 * loop's break condition reads the iteration just finished); `variables` is the instance's view.
 */
export function scopeFor(state: ExecutionState, resultsFrame: string, variables: Record<string, unknown>, loop: { iteration: number } | undefined, reads: ResultReads = ALL_RESULTS): ExpressionScopePayload {
  const scope: ExpressionScopePayload = { results: visibleResults(state, resultsFrame, reads), variables, input: state.input, execution: executionInfo(state) };
  if (loop) scope.loop = loop;
  return scope;
}

export function templateScope(scope: ExpressionScopePayload, state: ExecutionState): TemplateScope {
  return {
    ...scope,
    execution: { ...scope.execution, startedAt: state.startedAt === null ? null : new Date(state.startedAt).toISOString() },
  };
}
