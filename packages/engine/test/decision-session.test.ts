import { describe, expect, it } from 'vitest';
import {
  createExecutionState,
  decide,
  openDecision,
  pendingEvaluations,
  type EngineEvent,
  type EvaluateCommand,
  type ExecutionState,
  type RunStepCommand,
} from '@agentic-flow/engine';
import { compile, condition, deepFreeze, evaluateInProcess, loop, parallel, script, wf } from './harness.js';

function fresh(workflow: ReturnType<typeof compile>, input: Record<string, unknown> = {}): ExecutionState {
  return deepFreeze(
    createExecutionState({ executionId: 'exec-1', workflowId: workflow.definition.id, workflowVersion: workflow.definition.version, defaults: {}, input }),
  );
}

/** A state the test owns (not frozen): `openDecision` changes it in place. */
function owned(workflow: ReturnType<typeof compile>, input: Record<string, unknown> = {}): ExecutionState {
  return createExecutionState({ executionId: 'exec-1', workflowId: workflow.definition.id, workflowVersion: workflow.definition.version, defaults: {}, input });
}

/** Answers every evaluate command in one session, as the coordinator does within one transition. */
function driveAll(workflow: ReturnType<typeof compile>, state: ExecutionState) {
  const session = openDecision(workflow, state, 100);
  session.apply({ type: 'start', at: 100 });
  for (let i = 0; i < session.commands.length; i++) {
    const command = session.commands[i]!;
    if (command.type !== 'evaluate') continue;
    session.apply({
      type: 'expression.evaluated',
      key: command.key,
      purpose: command.purpose,
      attempt: command.attempt,
      outcome: evaluateInProcess(command),
      at: 100,
    });
  }
  return { state: session.finish(), commands: session.commands };
}

describe('openDecision: one transition, many events', () => {
  it('answers a chain of conditions in one session, changing the state in place', () => {
    const steps = Array.from({ length: 300 }, (_, i) => condition(`c${i}`, `variables.n > ${i % 5}`, i + 1 < 300 ? `c${i + 1}` : 'done'));
    const workflow = compile(wf([...steps, script('done')]));
    const state = owned(workflow, { n: 10 });
    const { state: after, commands } = driveAll(workflow, state);
    expect(commands.filter((c) => c.type === 'evaluate')).toHaveLength(300);
    expect(Object.values(after.nodes).filter((n) => n.status === 'succeeded')).toHaveLength(300);
    expect((commands.at(-1) as RunStepCommand).stepId).toBe('done');
    expect(after.status).toBe('running');
    // The records are the caller's, changed where they are: nothing was copied.
    expect(after.nodes).toBe(state.nodes);
    expect(state.status).toBe('pending');
  });

  it('reverts to exactly the state it was opened on, and says which nodes it changed', () => {
    const workflow = compile(
      wf([
        parallel('p', ['a', 'b'], {}, ['l']),
        script('a'),
        script('b'),
        loop('l', 'body', { maxIterations: 3, onMaxIterations: 'complete' }),
        script('body'),
      ]),
    );
    let state = owned(workflow);
    const keep = (event: EngineEvent) => {
      const session = openDecision(workflow, state, event.at);
      expect(session.apply(event)).toBeUndefined();
      state = session.finish();
    };
    keep({ type: 'start', at: 1 });
    keep({ type: 'step.succeeded', key: 'a', attempt: 1, output: 'A', variableUpdates: { x: 1 }, at: 2 });
    keep({ type: 'step.succeeded', key: 'b', attempt: 1, output: 'B', at: 3 });
    keep({ type: 'step.succeeded', key: 'l#0/body', attempt: 1, output: 0, at: 4 });
    const before = structuredClone(state);
    const nodes = state.nodes;
    // An iteration ends (counted, the next one starts), then a cancel ends everything: all of it undone.
    const session = openDecision(workflow, state, 5);
    session.apply({ type: 'step.succeeded', key: 'l#1/body', attempt: 1, output: 1, at: 5 });
    session.apply({ type: 'cancel', at: 5 });
    expect(session.finish().status).toBe('cancelled');
    expect(session.changedNodes()).toEqual(new Set(['l#1/body', 'l', 'l#2/body']));
    session.revert();
    expect(state).toEqual(before);
    expect(state.nodes).toBe(nodes);
  });

  it('a loop ends with every iteration’s output, read from the iterations', () => {
    const workflow = compile(wf([loop('l', 'body', { maxIterations: 3, onMaxIterations: 'complete' }), script('body')]));
    let state = owned(workflow);
    for (const event of [
      { type: 'start' as const, at: 1 },
      ...[0, 1, 2].map((i) => ({ type: 'step.succeeded' as const, key: `l#${i}/body`, attempt: 1, output: `out${i}`, at: 2 + i })),
    ]) {
      const session = openDecision(workflow, state, event.at);
      expect(session.apply(event)).toBeUndefined();
      state = session.finish();
    }
    expect(state.nodes['l']).toMatchObject({ status: 'succeeded', output: ['out0', 'out1', 'out2'] });
    expect(state.status).toBe('completed');
  });

  it('gives a condition only the results its expression reads', () => {
    const workflow = compile(wf([script('a', ['b']), script('b', ['check']), condition('check', 'results.b > 0', 'done'), script('done')]));
    let state = fresh(workflow);
    state = decide(workflow, state, { type: 'start', at: 1 }).state;
    state = decide(workflow, state, { type: 'step.succeeded', key: 'a', attempt: 1, output: 'A', at: 2 }).state;
    const decision = decide(workflow, state, { type: 'step.succeeded', key: 'b', attempt: 1, output: 7, at: 3 });
    const evaluate = decision.commands.find((c): c is EvaluateCommand => c.type === 'evaluate')!;
    expect(evaluate).toMatchObject({ key: 'check', purpose: 'condition', attempt: 1 });
    expect(evaluate.scope.results).toEqual({ b: 7 });
    // The condition's run is recorded running while it waits for its answer.
    expect(decision.commands).toContainEqual(expect.objectContaining({ type: 'record-step', key: 'check', status: 'running' }));
  });
});

describe('expression answers arriving later', () => {
  it('ignores an answer for another attempt or iteration, and applies the right one', () => {
    const workflow = compile(wf([loop('l', 'body', { condition: 'loop.iteration < 2' }), script('body')]));
    let state = fresh(workflow);
    const started = decide(workflow, state, { type: 'start', at: 1 });
    state = started.state;
    const ask = started.commands.find((c): c is EvaluateCommand => c.type === 'evaluate')!;
    expect(ask).toMatchObject({ key: 'l', purpose: 'loop-condition', attempt: 1, iteration: 0 });
    const answer = {
      type: 'expression.evaluated' as const,
      key: 'l',
      purpose: 'loop-condition' as const,
      outcome: { ok: true as const, truthy: true, value: true },
      at: 2,
    };
    expect(decide(workflow, state, { ...answer, attempt: 2, iteration: 0 }).ignored).toMatch(/attempt 1, not 2/);
    expect(decide(workflow, state, { ...answer, attempt: 1, iteration: 3 }).ignored).toMatch(/iteration 0, not 3/);
    const applied = decide(workflow, state, { ...answer, attempt: 1, iteration: 0 });
    expect(applied.ignored).toBeUndefined();
    expect(applied.commands).toContainEqual(expect.objectContaining({ type: 'run-step', key: 'l#0/body' }));
    // The same answer again: nobody waits for it any more.
    expect(decide(workflow, applied.state, { ...answer, attempt: 1, iteration: 0 }).ignored).toMatch(/not waiting/);
  });

  it('lists the evaluations an execution waits on, to ask again when their answers were lost', () => {
    const workflow = compile(
      wf([condition('c', 'variables.n > 1', 'yes'), script('yes'), loop('l', 'body', { breakCondition: 'results.body === 2' }), script('body')]),
    );
    let state = fresh(workflow, { n: 2 });
    state = decide(workflow, state, { type: 'start', at: 1 }).state;
    const pending = pendingEvaluations(workflow, state, 5);
    // The loop has no condition: its first iteration started; only the condition waits.
    expect(pending.map((c) => [c.key, c.purpose, c.attempt])).toEqual([['c', 'condition', 1]]);
    state = decide(workflow, state, { type: 'step.succeeded', key: 'l#0/body', attempt: 1, output: 1, at: 6 }).state;
    const again = pendingEvaluations(workflow, state, 7);
    expect(again.map((c) => [c.key, c.purpose, c.iteration])).toEqual([
      ['c', 'condition', undefined],
      ['l', 'loop-break', 0],
    ]);
    expect(again[1]!.scope.results).toEqual({ body: 1 });
  });
});
