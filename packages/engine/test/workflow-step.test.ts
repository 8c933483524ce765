import { describe, expect, it } from 'vitest';
import type { EngineCommand } from '../src/commands.js';
import { createExecutionState, type ExecutionState } from '../src/execution-state.js';
import { stepKinds } from '../src/step-kinds.js';
import { Transition } from '../src/transition.js';
import { DEFAULT_MAX_WORKFLOW_DEPTH, workflowKind } from '../src/workflow-step.js';
import type { DecideOptions } from '../src/recovery.js';
import { compile, deepFreeze, script, wf } from './harness.js';
import type { WorkflowStep } from '@agentic-flow/spec';

// Until `decide` routes to every StepKind, the kind is driven through a Transition directly: the
// hooks are what the core calls.
const workflow = compile(
  wf(
    [
      script('prepare', ['child']),
      { id: 'child', type: 'workflow', config: { workflowId: 'sub', version: '1.0.0', variables: { n: '{{ variables.n }}', fixed: 3 } }, next: ['after'] },
      script('after'),
    ],
    { n: 7 },
  ),
);
const childStep = workflow.steps.get('child') as WorkflowStep;

function runningState(extra: Partial<ExecutionState> = {}): ExecutionState {
  const state = createExecutionState({
    executionId: 'exec-1',
    workflowId: 'wf',
    workflowVersion: '1.0.0',
    defaults: workflow.definition.variables,
    input: {},
  });
  return deepFreeze({
    ...state,
    status: 'running',
    nodes: { prepare: { stepId: 'prepare', status: 'succeeded', attempt: 1, output: 1 } },
    ...extra,
  } as ExecutionState);
}

function transition(state: ExecutionState, options: DecideOptions = {}): Transition {
  return new Transition(workflow, state, 5_000, stepKinds, options);
}

const ofType = <T extends EngineCommand['type']>(commands: EngineCommand[], type: T) =>
  commands.filter((c): c is Extract<EngineCommand, { type: T }> => c.type === type);

describe('workflow steps', () => {
  it('start a child one level deeper with their variables resolved, and wait for it', () => {
    const t = transition(runningState());
    workflowKind.launch(t, 'child', childStep, 1);
    expect(t.node('child')).toEqual({ stepId: 'child', status: 'waiting', attempt: 1 });
    expect(ofType(t.commands, 'record-step').map((c) => c.status)).toEqual(['running']);
    expect(ofType(t.commands, 'start-child')).toEqual([
      {
        type: 'start-child',
        key: 'child',
        stepId: 'child',
        attempt: 1,
        workflowId: 'sub',
        version: '1.0.0',
        variables: { n: 7, fixed: 3 },
        depth: 1,
        at: 5_000,
      },
    ]);
  });

  it('fail WORKFLOW_DEPTH instead of starting a child over the limit (default 10)', () => {
    const t = transition(runningState({ depth: DEFAULT_MAX_WORKFLOW_DEPTH }));
    workflowKind.launch(t, 'child', childStep, 1);
    expect(ofType(t.commands, 'start-child')).toEqual([]);
    expect(t.node('child')!.status).toBe('failed');
    expect(t.node('child')!.error).toMatchObject({ code: 'WORKFLOW_DEPTH', details: { depth: 11, limit: 10, workflowId: 'sub' } });
    expect(t.node('child')!.error!.message).toContain('11 deep, over the limit of 10');
    expect(t.state.status).toBe('failed');
    expect(t.state.error).toMatchObject({ code: 'WORKFLOW_DEPTH', stepId: 'child' });
  });

  it('take the limit from the options', () => {
    const allowed = transition(runningState({ depth: 1 }), { maxWorkflowDepth: 2 });
    workflowKind.launch(allowed, 'child', childStep, 1);
    expect(ofType(allowed.commands, 'start-child')[0]!.depth).toBe(2);
    const refused = transition(runningState({ depth: 2 }), { maxWorkflowDepth: 2 });
    workflowKind.launch(refused, 'child', childStep, 1);
    expect(refused.node('child')!.error!.code).toBe('WORKFLOW_DEPTH');
  });

  it('fail TEMPLATE when a variable template does not resolve', () => {
    const t = transition(runningState({ variables: {} }));
    workflowKind.launch(t, 'child', childStep, 1);
    expect(t.node('child')!.error).toMatchObject({ code: 'TEMPLATE' });
    expect(ofType(t.commands, 'start-child')).toEqual([]);
  });

  it("succeed with the child's results when it completes, and go on", () => {
    const state = runningState({ nodes: { ...runningState().nodes, child: { stepId: 'child', status: 'waiting', attempt: 1 } } });
    const t = transition(state);
    const results = { a: 1, b: { c: 2 } };
    expect(workflowKind.signalled!(t, 'child', { type: 'child-settled', childExecutionId: 'c-1', status: 'completed', output: results })).toBeUndefined();
    expect(t.node('child')).toMatchObject({ status: 'succeeded', output: results, child: 'c-1' });
    expect(ofType(t.commands, 'record-step').map((c) => [c.key, c.status])).toContainEqual(['child', 'succeeded']);
  });

  it("fail CHILD_FAILED with the child's error when it fails, remembering the child", () => {
    const state = runningState({ nodes: { ...runningState().nodes, child: { stepId: 'child', status: 'waiting', attempt: 1 } } });
    const t = transition(state);
    const error = { code: 'SCRIPT_ERROR' as const, message: 'boom' };
    workflowKind.signalled!(t, 'child', { type: 'child-settled', childExecutionId: 'c-1', status: 'failed', error });
    const node = t.node('child')!;
    expect(node).toMatchObject({ status: 'failed', child: 'c-1' });
    expect(node.error).toMatchObject({ code: 'CHILD_FAILED', details: { childExecutionId: 'c-1', status: 'failed', error } });
    expect(node.error!.message).toContain('SCRIPT_ERROR: boom');
    expect(t.state.status).toBe('failed');
  });

  it('fail CHILD_FAILED when the child was cancelled', () => {
    const state = runningState({ nodes: { ...runningState().nodes, child: { stepId: 'child', status: 'waiting', attempt: 1 } } });
    const t = transition(state);
    workflowKind.signalled!(t, 'child', { type: 'child-settled', childExecutionId: 'c-1', status: 'cancelled' });
    expect(t.node('child')!.error).toMatchObject({ code: 'CHILD_FAILED', details: { status: 'cancelled', error: { code: 'CANCELLED' } } });
    // A cancelled child cannot be resumed: a revived step starts a new one.
    expect(t.node('child')!.child).toBeUndefined();
  });

  it('ignore a settlement when the node no longer waits', () => {
    const state = runningState({ nodes: { ...runningState().nodes, child: { stepId: 'child', status: 'cancelled', attempt: 1 } } });
    const t = transition(state);
    expect(workflowKind.signalled!(t, 'child', { type: 'child-settled', childExecutionId: 'c-1', status: 'completed', output: {} })).toMatch(/not waiting/);
    expect(t.commands).toEqual([]);
    expect(workflowKind.signalled!(t, 'child', { type: 'timer' })).toMatch(/no timer signal/);
  });

  it('resume the same child from its failure when revived, under the new attempt', () => {
    const failed = { stepId: 'child', status: 'failed' as const, attempt: 1, child: 'c-1', error: { code: 'CHILD_FAILED' as const, message: 'x' } };
    const t = transition(runningState({ nodes: { ...runningState().nodes, child: failed } }));
    expect(workflowKind.revive!(t, 'child', failed, 2)).toBe(false);
    expect(t.node('child')).toEqual({ stepId: 'child', status: 'ready', attempt: 2, child: 'c-1' });
    workflowKind.launch(t, 'child', childStep, 2);
    expect(t.node('child')).toEqual({ stepId: 'child', status: 'waiting', attempt: 2, child: 'c-1' });
    expect(ofType(t.commands, 'start-child')).toEqual([]);
    expect(ofType(t.commands, 'signal-child')).toEqual([
      { type: 'signal-child', key: 'child', stepId: 'child', attempt: 2, childExecutionId: 'c-1', action: 'resume', at: 5_000 },
    ]);
  });

  it('carry pause, resume and cancel to the child', () => {
    const waiting = { stepId: 'child', status: 'waiting' as const, attempt: 3 };
    const t = transition(runningState({ nodes: { ...runningState().nodes, child: waiting } }));
    workflowKind.paused!(t, 'child', waiting);
    workflowKind.resumed!(t, 'child', waiting);
    workflowKind.cancelled!(t, 'child', waiting);
    expect(ofType(t.commands, 'signal-child').map((c) => [c.action, c.attempt, c.childExecutionId])).toEqual([
      ['pause', 3, undefined],
      ['resume', 3, undefined],
      ['cancel', 3, undefined],
    ]);
  });
});
