import { TOP_SCOPE } from '@agentic-flow/spec';
import type { CompiledWorkflow } from './compiled-workflow.js';

/*
 * Which steps can have an instance standing in a frame, from the definition alone. A frame a step
 * reads from is the top level (`''`) or a loop's iteration (its last segment `loop#i`: the loop
 * body's steps); a recovery step's pseudo-frame is read as the failed instance's frame (`scopeAnchor`),
 * and nothing nests inside one (a recovery step is never a loop). Parallel branches open no frame:
 * their steps stand in the frame of the parallel. So a step that reads every result looks up these
 * few ids per enclosing frame instead of walking every node of the execution.
 */

const CACHE = new WeakMap<CompiledWorkflow, Map<string, readonly string[]>>();

/** The step ids whose instances can stand directly in `frame` (not in frames nested inside it). */
export function stepsStandingIn(workflow: CompiledWorkflow, frame: string): readonly string[] {
  let byShape = CACHE.get(workflow);
  if (byShape === undefined) CACHE.set(workflow, (byShape = new Map()));
  const shape = frameShape(frame);
  let steps = byShape.get(shape);
  if (steps === undefined) byShape.set(shape, (steps = stepsOfShape(workflow, shape)));
  return steps;
}

/** `''` for the top level, `#loopId` for a loop's iteration, `~` for anything else. */
function frameShape(frame: string): string {
  if (frame === '') return '';
  const last = frame.slice(frame.lastIndexOf('/') + 1);
  const hash = last.lastIndexOf('#');
  return last.includes('~') || hash === -1 ? '~' : `#${last.slice(0, hash)}`;
}

function stepsOfShape(workflow: CompiledWorkflow, shape: string): readonly string[] {
  if (shape === '') return withBranches(workflow, workflow.members.get(TOP_SCOPE) ?? []);
  const loop = shape.startsWith('#') ? workflow.steps.get(shape.slice(1)) : undefined;
  if (loop?.type === 'loop') return [...(workflow.regions.get(loop.config.loopStep)?.steps ?? [])];
  // A frame this definition does not name (a state from another version): any step may stand there.
  return [...workflow.steps.keys()];
}

/** `members` plus the steps of the parallel branches among them, recursively (they share the frame). */
function withBranches(workflow: CompiledWorkflow, members: readonly string[]): readonly string[] {
  const steps = [...members];
  for (const id of members) {
    const step = workflow.steps.get(id)!;
    if (step.type === 'parallel') for (const root of step.config.steps) steps.push(...(workflow.regions.get(root)?.steps ?? []));
  }
  return steps;
}
