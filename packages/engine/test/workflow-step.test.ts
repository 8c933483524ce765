import { describe, expect, it } from 'vitest';
import type { EngineCommand } from '../src/commands.js';
import { DEFAULT_MAX_WORKFLOW_DEPTH } from '../src/workflow-step.js';
import { Run, compile, script, wf } from './harness.js';

const workflow = compile(
  wf(
    [
      script('prepare', ['sub']),
      { id: 'sub', type: 'workflow', config: { workflowId: 'child', version: '1.0.0', variables: { n: '{{ variables.n }}', fixed: 3 } }, next: ['after'] },
      script('after'),
    ],
    { n: 7 },
  ),
);

const ofType = <T extends EngineCommand['type']>(commands: EngineCommand[], type: T) =>
  commands.filter((c): c is Extract<EngineCommand, { type: T }> => c.type === type);

/** A run waiting for its child at `sub` (attempt 1). */
function waiting(options: ConstructorParameters<typeof Run>[2] = {}): Run {
  const run = new Run(workflow, {}, options);
  run.start();
  run.succeed('prepare', 1);
  return run;
}

const settled = (
  run: Run,
  status: 'completed' | 'failed' | 'cancelled',
  extra: { output?: unknown; error?: { code: 'SCRIPT_ERROR'; message: string } } = {},
  attempt = 1,
) => run.send({ type: 'step.signal', key: 'sub', attempt, signal: { type: 'child-settled', childExecutionId: 'c-1', status, ...extra } });

describe('workflow steps', () => {
  it('start a child one level deeper with their variables resolved, and wait for it', () => {
    const run = new Run(workflow);
    run.start();
    const commands = run.succeed('prepare', 1);
    expect(run.state.nodes['sub']).toEqual({ stepId: 'sub', status: 'waiting', attempt: 1 });
    expect(run.recorded('running', commands)).toEqual(['sub']);
    expect(ofType(commands, 'start-child')).toEqual([
      {
        type: 'start-child',
        key: 'sub',
        stepId: 'sub',
        attempt: 1,
        workflowId: 'child',
        version: '1.0.0',
        variables: { n: 7, fixed: 3 },
        depth: 1,
        at: expect.any(Number),
      },
    ]);
    expect(run.state.status).toBe('running');
  });

  it("succeed with the child's results when it completes, and go on", () => {
    const run = waiting();
    const results = { a: 1, b: { c: 2 } };
    const commands = settled(run, 'completed', { output: results });
    expect(run.state.nodes['sub']).toMatchObject({ status: 'succeeded', output: results, child: 'c-1' });
    expect(run.recorded('succeeded', commands)).toEqual(['sub']);
    expect(run.ran(commands)).toEqual(['after']);
    run.succeed('after');
    expect(run.state.status).toBe('completed');
  });

  it('fail WORKFLOW_DEPTH instead of starting a child over the limit (default 10)', () => {
    const run = waiting({ depth: DEFAULT_MAX_WORKFLOW_DEPTH });
    expect(ofType(run.commands, 'start-child')).toEqual([]);
    expect(run.state.nodes['sub']!.error).toMatchObject({ code: 'WORKFLOW_DEPTH', details: { depth: 11, limit: 10, workflowId: 'child' } });
    expect(run.state.nodes['sub']!.error!.message).toContain('11 deep, over the limit of 10');
    expect(run.state.status).toBe('failed');
    expect(run.state.error).toMatchObject({ code: 'WORKFLOW_DEPTH', stepId: 'sub' });
  });

  it('take the limit from the options', () => {
    expect(ofType(waiting({ depth: 1, maxWorkflowDepth: 2 }).commands, 'start-child')[0]!.depth).toBe(2);
    expect(waiting({ depth: 2, maxWorkflowDepth: 2 }).state.nodes['sub']!.error!.code).toBe('WORKFLOW_DEPTH');
  });

  it('fail TEMPLATE when a variable template does not resolve', () => {
    const run = new Run(compile(wf([{ id: 'sub', type: 'workflow', config: { workflowId: 'child', variables: { x: '{{ results.nothing.there }}' } } }])));
    run.start();
    expect(run.state.nodes['sub']!.error).toMatchObject({ code: 'TEMPLATE' });
    expect(ofType(run.commands, 'start-child')).toEqual([]);
  });

  it("fail CHILD_FAILED with the child's error when it fails, remembering the child", () => {
    const run = waiting();
    const error = { code: 'SCRIPT_ERROR' as const, message: 'boom' };
    settled(run, 'failed', { error });
    const node = run.state.nodes['sub']!;
    expect(node).toMatchObject({ status: 'failed', child: 'c-1' });
    expect(node.error).toMatchObject({ code: 'CHILD_FAILED', details: { childExecutionId: 'c-1', status: 'failed', error } });
    expect(node.error!.message).toContain('SCRIPT_ERROR: boom');
    expect(run.state.status).toBe('failed');
  });

  it("let the step's onError act on the child's failure", () => {
    const run = new Run(
      compile(wf([{ id: 'sub', type: 'workflow', config: { workflowId: 'child' }, onError: { type: 'skip' }, next: ['after'] }, script('after')])),
    );
    run.start();
    const commands = run.send({ type: 'step.signal', key: 'sub', attempt: 1, signal: { type: 'child-settled', childExecutionId: 'c-1', status: 'failed' } });
    expect(run.state.nodes['sub']!.status).toBe('skipped');
    expect(run.ran(commands)).toEqual(['after']);
  });

  it('fail CHILD_FAILED when the child was cancelled, and start a new child when revived', () => {
    const run = waiting();
    settled(run, 'cancelled');
    expect(run.state.nodes['sub']!.error).toMatchObject({ code: 'CHILD_FAILED', details: { status: 'cancelled', error: { code: 'CANCELLED' } } });
    expect(run.state.nodes['sub']!.child).toBeUndefined();
    const commands = run.resume();
    expect(ofType(commands, 'start-child').map((c) => c.attempt)).toEqual([2]);
  });

  it('start a new child when revived after one that could not start (no id)', () => {
    const run = waiting();
    run.send({
      type: 'step.signal',
      key: 'sub',
      attempt: 1,
      signal: {
        type: 'child-settled',
        childExecutionId: '',
        status: 'failed',
        error: { code: 'WORKFLOW_NOT_FOUND', message: 'workflow "child" does not exist' },
      },
    });
    const node = run.state.nodes['sub']!;
    expect(node.child).toBeUndefined();
    expect(node.error).toMatchObject({ code: 'CHILD_FAILED', details: { childExecutionId: null, error: { code: 'WORKFLOW_NOT_FOUND' } } });
    expect(node.error!.message).toContain('could not start: WORKFLOW_NOT_FOUND');
    expect(ofType(run.resume(), 'start-child').map((c) => c.attempt)).toEqual([2]);
  });

  it('resume the same child from its failure when the parent resumes from failure, under the new attempt', () => {
    const run = waiting();
    settled(run, 'failed', { error: { code: 'SCRIPT_ERROR', message: 'boom' } });
    const commands = run.resume();
    expect(run.state.status).toBe('running');
    expect(run.state.nodes['sub']).toEqual({ stepId: 'sub', status: 'waiting', attempt: 2, child: 'c-1' });
    expect(ofType(commands, 'start-child')).toEqual([]);
    expect(ofType(commands, 'signal-child')).toEqual([
      { type: 'signal-child', key: 'sub', stepId: 'sub', attempt: 2, childExecutionId: 'c-1', action: 'resume', at: expect.any(Number) },
    ]);
    // The old attempt's settlement is stale; the new one's counts.
    expect(settled(run, 'completed', { output: { x: 1 } }, 1)).toEqual([]);
    expect(run.ignored.at(-1)).toMatch(/attempt 1/);
    settled(run, 'completed', { output: { x: 1 } }, 2);
    expect(run.state.nodes['sub']).toMatchObject({ status: 'succeeded', output: { x: 1 } });
  });

  it('carry pause, resume and cancel to the child', () => {
    const run = waiting();
    const signals = (commands: EngineCommand[]) => ofType(commands, 'signal-child').map((c) => `${c.action}@${c.attempt}`);
    expect(signals(run.pause())).toEqual(['pause@1']);
    expect(signals(run.resume())).toEqual(['resume@1']);
    const cancel = run.send({ type: 'cancel' });
    expect(signals(cancel)).toEqual(['cancel@1']);
    expect(run.recorded('cancelled', cancel)).toEqual(['sub']);
    expect(run.state.status).toBe('cancelled');
  });

  it('ignore a settlement when the node no longer waits, and a timer', () => {
    const run = waiting();
    settled(run, 'completed', { output: {} });
    expect(settled(run, 'completed', { output: {} })).toEqual([]);
    expect(run.ignored.at(-1)).toMatch(/not waiting/);
    run.send({ type: 'step.signal', key: 'after', attempt: 1, signal: { type: 'timer' } });
    expect(run.ignored.at(-1)).toMatch(/signal/);
  });
});
