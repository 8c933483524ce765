import { describe, expect, it } from 'vitest';
import { ALL_RESULTS } from '@agentic-flow/spec';
import { frameOf, visibleResults, type ExecutionState } from '@agentic-flow/engine';
import { Run, compile, coordinator, loop, parallel, script, wf } from './harness.js';

/*
 * A step that reads every result looks up only the steps that can stand in its frame and the frames
 * enclosing it (`frame-steps.ts`); a reader without the definition walks every node. Both must give
 * the same answer from every frame of every state an execution passes through.
 */

const onError = <S extends object>(step: S, strategy: Record<string, unknown>) => ({ ...step, onError: strategy });

/**
 * A top-level parallel with a loop for a branch, loops holding a parallel holding a loop, a failing branch step replaced by its alternative, a
 * coordinator agent with subtasks, a top-level step replaced by its alternative, and a rollback at
 * the end. Reading code everywhere
 * reads everything (the harness's scripts, the break conditions), so the engine itself takes the
 * lookup while the run goes.
 */
const definition = wf([
  script('start', ['fan']),
  parallel('fan', ['left', 'right'], {}, ['outer']),
  script('left'),
  loop('right', 'right-body', { breakCondition: 'Object.keys(results).length >= 0 && loop.iteration >= 1' }),
  script('right-body'),
  loop('outer', 'body', { breakCondition: 'Object.keys(results).length >= 0 && loop.iteration >= 1' }, ['research']),
  parallel('body', ['inner', 'leaf']),
  loop('inner', 'deep', { breakCondition: 'Object.keys(results).length >= 0 && loop.iteration >= 1' }),
  script('deep'),
  onError(script('leaf'), { type: 'alternative', alternativeStep: 'leaf-alt' }),
  script('leaf-alt'),
  coordinator('research', { capabilities: ['web'] }, ['risky']),
  onError(script('risky', ['charge']), { type: 'alternative', alternativeStep: 'risky-alt' }),
  script('risky-alt'),
  onError(script('charge'), { type: 'rollback', rollbackSteps: ['undo'] }),
  script('undo'),
]);

/** Fails the first run of these instances; the rest succeed with an output naming them. */
const FAILING = new Set(['outer#0/leaf', 'risky', 'charge']);

/** Every frame an instance of `state` stands in, the frames enclosing them, and the pseudo-frames of its keys. */
function framesOf(state: ExecutionState): string[] {
  const frames = new Set<string>(['']);
  for (const key of Object.keys(state.nodes)) {
    frames.add(key);
    for (let frame = frameOf(key); frame !== ''; frame = frameOf(frame)) frames.add(frame);
  }
  return [...frames];
}

/** Drives the run to its end, collecting every state it passes through. */
function drive(run: Run): ExecutionState[] {
  const states = [run.state];
  run.start();
  states.push(run.state);
  const failed = new Set<string>();
  for (let queued = run.queued(); queued.length > 0; queued = run.queued()) {
    for (const key of queued) {
      const node = run.state.nodes[key]!;
      if (FAILING.has(key) && !failed.has(key)) {
        failed.add(key);
        run.fail(key);
      } else if (node.stepId === 'research' && !key.includes('~') && node.plan === undefined) {
        run.plan(key, [{ goal: 'look', capabilities: ['web'] }, { goal: 'read' }]);
      } else {
        // `deep` reports nothing in its second iterations: an instance without output is left out.
        run.succeed(key, key.endsWith('inner#1/deep') ? undefined : { from: key });
      }
      states.push(run.state);
    }
  }
  return states;
}

describe('visible results, looked up from the definition', () => {
  it('equal the walk over every node, from every frame of every state of a run', () => {
    const workflow = compile(definition);
    const states = drive(new Run(workflow));
    const last = states.at(-1)!;
    // The run reached every corner the lookup has to answer for.
    expect(Object.keys(last.nodes)).toEqual(
      expect.arrayContaining(['outer#1/inner#1/deep', 'outer#0/leaf~alt/leaf-alt', 'research~sub/1', 'research~syn', 'risky~alt/risky-alt', 'charge~rb/undo']),
    );
    let compared = 0;
    for (const state of states) {
      for (const frame of framesOf(state)) {
        expect(visibleResults(state, frame, ALL_RESULTS, workflow), `${frame} after ${Object.keys(state.nodes).length} nodes`).toEqual(
          visibleResults(state, frame),
        );
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(300);
  });

  it('see the enclosing frames and leave out recovery steps and agent parts', () => {
    const workflow = compile(definition);
    const last = drive(new Run(workflow)).at(-1)!;
    const seen = visibleResults(last, 'outer#1/inner#0', ALL_RESULTS, workflow);
    // No leaf-alt, risky-alt, undo (recovery steps) nor charge (rolled back); research's parts are not results.
    expect(Object.keys(seen).sort()).toEqual(['body', 'deep', 'fan', 'inner', 'leaf', 'left', 'outer', 'research', 'right', 'risky', 'start']);
    expect(seen).toMatchObject({ deep: { from: 'outer#1/inner#0/deep' }, leaf: { from: 'outer#1/leaf' }, risky: { from: 'risky~alt/risky-alt' } });
    expect(visibleResults(last, '', ALL_RESULTS, workflow)).not.toHaveProperty('deep');
  });
});
