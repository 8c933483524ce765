import { describe, expect, it } from 'vitest';
import {
  checkPlan,
  remainingTokens,
  stepScope,
  subtaskKey,
  synthesisKey,
  usageOf,
  visibleResults,
  type EngineCommand,
  type RecordErrorCommand,
} from '@agentic-flow/engine';
import type { RecoveryStrategy } from '@agentic-flow/spec';
import { Run, agent, compile, coordinator, loop, parallel, runSteps, script, strategies, wf } from './harness.js';

type OnError = { type: RecoveryStrategy['type'] } & Record<string, unknown>;
const withOnError = <S extends object>(step: S, onError: OnError) => ({ ...step, onError }) as S & { onError: RecoveryStrategy };

/** `key:strategy` of every record-error command. */
const errorLog = (commands: readonly EngineCommand[]) =>
  commands.filter((c): c is RecordErrorCommand => c.type === 'record-error').map((c) => `${c.key}:${c.strategy}`);

/** `type key@attempt` of every command about a step run, in order. */
const log = (commands: readonly EngineCommand[]) =>
  commands.map((c) => ('key' in c && 'attempt' in c ? `${c.type === 'record-step' ? `record-${c.status}` : c.type} ${c.key}@${c.attempt}` : c.type));

const THREE = [{ goal: 'find sources', capabilities: ['web'] }, { goal: 'read them' }, { goal: 'summarize', capabilities: [] }];

/** A coordinator granted the tools THREE asks for. */
const coord = (id: string, config: Record<string, unknown> = {}, next: string[] = []) => coordinator(id, { capabilities: ['web', 'files'], ...config }, next);

const research = (config: Record<string, unknown> = {}, next: string[] = ['report']) =>
  coordinator('research', { goal: 'Research {{ results.prep.topic }}', capabilities: ['web', 'files'], ...config }, next);

/** prep → research (a coordinator agent) → report. */
const shape = (config: Record<string, unknown> = {}, onError?: OnError) =>
  wf([script('prep', ['research']), onError ? withOnError(research(config), onError) : research(config), script('report')]);

/** A run whose coordinator planned THREE and whose subtasks are all queued. */
function delegating(config: Record<string, unknown> = {}, onError?: OnError): Run {
  const run = new Run(compile(shape(config, onError)));
  run.start();
  run.succeed('prep', { topic: 'tides' });
  run.plan('research', THREE);
  expect(run.queued()).toEqual(['research~sub/0', 'research~sub/1', 'research~sub/2']);
  return run;
}

describe('agent: instance keys of a coordinator’s parts', () => {
  it('names subtasks and the synthesis after their coordinator', () => {
    expect(subtaskKey('research', 2)).toBe('research~sub/2');
    expect(synthesisKey('l#2/research')).toBe('l#2/research~syn');
  });

  it('links each part to its coordinator in the state, not through its key', () => {
    const run = delegating();
    expect(run.state.hosts).toEqual({
      'research~sub/0': { host: 'research', role: 'part' },
      'research~sub/1': { host: 'research', role: 'part' },
      'research~sub/2': { host: 'research', role: 'part' },
    });
    for (const key of run.queued()) run.succeed(key, `did ${key}`);
    expect(run.state.hosts?.['research~syn']).toEqual({ host: 'research', role: 'part' });
  });
});

describe('agent: coordinator', () => {
  it('plans, runs every subtask at once as an executor, synthesizes their outputs in plan order, and its output is the step’s', () => {
    const config = {
      capabilities: ['web', 'files'],
      provider: 'openai',
      model: 'gpt-x',
      systemPrompt: 'Be brief.',
      maxTurns: 7,
      maxSubtasks: 3,
      outputSchema: { type: 'object' },
      context: { results: ['prep'] },
    };
    const run = new Run(compile(shape(config)), { lang: 'en' });
    run.start();
    const [plan] = runSteps(run.succeed('prep', { topic: 'tides' }));
    const resolved = { agentType: 'coordinator', goal: 'Research tides', timeout: 300_000, ...config };
    expect(plan).toEqual({
      type: 'run-step',
      key: 'research',
      stepId: 'research',
      stepType: 'agent-task',
      attempt: 1,
      config: { ...resolved, phase: 'plan' },
      context: {
        results: { prep: { topic: 'tides' } },
        variables: { lang: 'en' },
        input: { lang: 'en' },
        execution: { id: 'exec-1', workflowId: 'wf', workflowVersion: '1' },
      },
      at: expect.any(Number),
    });

    const fanned = run.plan('research', THREE);
    // No record-step: the plan run was recorded by its result; the step waits for its parts.
    expect(log(fanned)).toEqual(['run-step research~sub/0@1', 'run-step research~sub/1@1', 'run-step research~sub/2@1']);
    const executor = {
      agentType: 'executor',
      timeout: 300_000,
      provider: 'openai',
      model: 'gpt-x',
      systemPrompt: 'Be brief.',
      maxTurns: 7,
      context: { results: ['prep'] },
      parentGoal: 'Research tides',
    };
    expect(runSteps(fanned).map((c) => c.config)).toEqual([
      { ...executor, goal: 'find sources', capabilities: ['web'] },
      { ...executor, goal: 'read them', capabilities: ['web', 'files'] },
      { ...executor, goal: 'summarize', capabilities: [] },
    ]);
    for (const command of runSteps(fanned)) {
      expect(command).toMatchObject({ stepId: 'research', stepType: 'agent-task', attempt: 1, context: plan!.context });
      expect(command).not.toHaveProperty('budget');
    }
    expect(run.state.nodes['research']).toEqual({ stepId: 'research', status: 'delegating', attempt: 1, plan: { subtasks: THREE } });

    // Finishing order does not matter: the synthesis gets the outputs in plan order, once all are in.
    expect(run.succeed('research~sub/2', 'S2')).toEqual([]);
    expect(run.succeed('research~sub/0', 'S0')).toEqual([]);
    const [synthesis] = runSteps(run.succeed('research~sub/1', 'S1'));
    expect(synthesis).toMatchObject({ key: 'research~syn', stepId: 'research', stepType: 'agent-task', attempt: 1, context: plan!.context });
    expect(synthesis!.config).toEqual({
      ...resolved,
      phase: 'synthesize',
      subtasks: [
        { goal: 'find sources', output: 'S0' },
        { goal: 'read them', output: 'S1' },
        { goal: 'summarize', output: 'S2' },
      ],
    });
    // The parts are not results of their own.
    expect(visibleResults(run.state, '')).toEqual({ prep: { topic: 'tides' } });

    const done = run.succeed('research~syn', { answer: 42 });
    expect(log(done)).toEqual(['record-succeeded research@1', 'run-step report@1']);
    // The plan run keeps `{ plan }` as its output: only its status is recorded.
    expect(done[0]).not.toHaveProperty('output');
    expect(runSteps(done)[0]!.context!.results).toEqual({ prep: { topic: 'tides' }, research: { answer: 42 } });
    expect(run.state.nodes['research']).toEqual({ stepId: 'research', status: 'succeeded', attempt: 1, output: { answer: 42 } });
    run.succeed('report');
    expect(run.state.status).toBe('completed');
    expect(visibleResults(run.state, '')).toEqual({ prep: { topic: 'tides' }, research: { answer: 42 }, report: null });
    expect(run.errors()).toEqual([]);
  });

  it('an executor agent is a work step like any other: its config goes as it is, without a phase', () => {
    const run = new Run(compile(wf([agent('solo', { goal: 'Do {{ variables.what }}', capabilities: ['web'] })])), { what: 'it' });
    const [solo] = runSteps(run.start());
    expect(solo).toMatchObject({
      key: 'solo',
      stepType: 'agent-task',
      config: { agentType: 'executor', goal: 'Do it', capabilities: ['web'], timeout: 300_000 },
    });
    expect(solo!.config).not.toHaveProperty('phase');
    run.succeed('solo', { done: true });
    expect(run.state).toMatchObject({ status: 'completed' });
  });

  it('ignores a second result of a subtask, and one of a part that does not exist', () => {
    const run = delegating();
    run.succeed('research~sub/0', 'S0');
    expect(run.result('research~sub/0', 1, 'succeeded', 'again')).toEqual([]);
    expect(run.result('research~sub/7', 1, 'succeeded')).toEqual([]);
    expect(run.result('research~syn', 1, 'succeeded')).toEqual([]);
    expect(run.ignored).toHaveLength(3);
    expect(run.state.nodes['research~sub/0']).toMatchObject({ output: 'S0' });
  });
});

describe('agent: invalid plans fail the step with AGENT_OUTPUT', () => {
  function planned(subtasks: unknown, config: Record<string, unknown> = {}): { run: Run; commands: EngineCommand[] } {
    const run = new Run(compile(shape(config)));
    run.start();
    run.succeed('prep', { topic: 'tides' });
    return { run, commands: run.succeed('research', subtasks) };
  }

  it('too many subtasks (5 when the step sets no maxSubtasks)', () => {
    const six = Array.from({ length: 6 }, (_, i) => ({ goal: `g${i}` }));
    const { run, commands } = planned({ plan: { subtasks: six } });
    const message = 'step "research": the coordinator\'s plan is invalid: $.plan.subtasks: has 6 subtasks; at most 5 are allowed';
    const error = { code: 'AGENT_OUTPUT', message, details: { problems: [{ path: '$.plan.subtasks', message: 'has 6 subtasks; at most 5 are allowed' }] } };
    expect(commands).toEqual([
      { type: 'record-step', key: 'research', stepId: 'research', stepType: 'agent-task', attempt: 1, status: 'failed', error, at: expect.any(Number) },
      { type: 'record-error', key: 'research', stepId: 'research', stepType: 'agent-task', attempt: 1, error, strategy: 'none', at: expect.any(Number) },
      { type: 'execution-settled', status: 'failed', error: { code: 'AGENT_OUTPUT', message, stepId: 'research' }, at: expect.any(Number) },
    ]);
    expect(run.state.nodes['research']).toEqual({ stepId: 'research', status: 'failed', attempt: 1, error });
    expect(planned({ plan: { subtasks: six.slice(0, 3) } }, { maxSubtasks: 2 }).run.state.nodes['research']).toMatchObject({
      status: 'failed',
      error: { code: 'AGENT_OUTPUT' },
    });
    expect(planned({ plan: { subtasks: six.slice(0, 5) } }).run.status('research')).toBe('delegating');
  });

  it('a subtask asking for a capability the step was not granted', () => {
    const { run } = planned({
      plan: {
        subtasks: [
          { goal: 'a', capabilities: ['web'] },
          { goal: 'b', capabilities: ['web', 'shell', 'email'] },
        ],
      },
    });
    expect(run.state.nodes['research']!.error).toEqual({
      code: 'AGENT_OUTPUT',
      message: 'step "research": the coordinator\'s plan is invalid: $.plan.subtasks[1].capabilities: "shell", "email" not granted (allowed: "web", "files")',
      details: { problems: [{ path: '$.plan.subtasks[1].capabilities', message: '"shell", "email" not granted (allowed: "web", "files")' }] },
    });
    expect(run.ran()).toEqual(['prep', 'research']);
  });

  it('an answer that does not match the plan schema', () => {
    const problemsOf = (output: unknown) =>
      (planned(output).run.state.nodes['research']!.error!.details as { problems: { path: string }[] }).problems.map((p) => p.path);
    expect(problemsOf({ plan: { subtasks: [] } })).toEqual(['$.plan.subtasks']);
    expect(problemsOf({ plan: { subtasks: [{ goal: '' }] } })).toEqual(['$.plan.subtasks[0].goal']);
    expect(problemsOf({ plan: { subtasks: [{ goal: 'a', extra: 1 }] } })).toEqual(['$.plan.subtasks[0]']);
    expect(problemsOf({ notAPlan: true })).toEqual(['$.plan']);
    expect(problemsOf('just text')).toEqual(['$']);
    expect(checkPlan({ plan: { subtasks: [{ goal: 'a' }] } }, { capabilities: [] })).toEqual({ ok: true, plan: { subtasks: [{ goal: 'a' }] } });
  });

  it('its strategy acts on it: skip lets the successors run', () => {
    const run = new Run(compile(shape({}, { type: 'skip' })));
    run.start();
    run.succeed('prep', { topic: 'tides' });
    const skipped = run.succeed('research', { plan: { subtasks: [] } });
    expect(log(skipped)).toEqual(['record-error research@1', 'record-skipped research@1', 'run-step report@1']);
  });
});

describe('agent: a failing part fails the coordinator', () => {
  it('cancels the other subtasks and fails the step with the subtask’s error, recorded once, as the coordinator’s', () => {
    const run = delegating();
    run.succeed('research~sub/0', 'S0');
    const failed = run.fail('research~sub/1', 'no access', { code: 'AGENT_PROVIDER' });
    const error = { code: 'AGENT_PROVIDER', message: 'subtask 1 failed: no access', details: { subtask: 1 } };
    expect(failed).toEqual([
      { type: 'cancel-step', key: 'research~sub/2', stepId: 'research', attempt: 1, at: expect.any(Number) },
      { type: 'record-step', key: 'research', stepId: 'research', stepType: 'agent-task', attempt: 1, status: 'failed', error, at: expect.any(Number) },
      { type: 'record-error', key: 'research', stepId: 'research', stepType: 'agent-task', attempt: 1, error, strategy: 'none', at: expect.any(Number) },
      { type: 'execution-settled', status: 'failed', error: { ...error, details: undefined, stepId: 'research' }, at: expect.any(Number) },
    ]);
    expect(run.state.nodes['research']).toEqual({ stepId: 'research', status: 'failed', attempt: 1, error });
    expect(run.state.nodes['research~sub/1']).toEqual({
      stepId: 'research',
      status: 'failed',
      attempt: 1,
      error: { code: 'AGENT_PROVIDER', message: 'no access' },
    });
    expect(run.status('research~sub/2')).toBe('cancelled');
    // A late result of the cancelled subtask is ignored.
    expect(run.result('research~sub/2', 1, 'succeeded')).toEqual([]);
  });

  it('a failing synthesis fails it the same way', () => {
    const run = delegating();
    for (const key of run.queued()) run.succeed(key);
    const failed = run.fail('research~syn', 'bad answer', { code: 'AGENT_OUTPUT' });
    expect(errorLog(failed)).toEqual(['research:none']);
    expect(run.state.nodes['research']!.error).toEqual({ code: 'AGENT_OUTPUT', message: 'synthesis failed: bad answer', details: { phase: 'synthesize' } });
    expect(run.state.status).toBe('failed');
  });

  it('onError skip: the coordinator counts as done without output and its successors run', () => {
    const run = delegating({}, { type: 'skip' });
    const skipped = run.fail('research~sub/0');
    expect(log(skipped)).toEqual([
      'cancel-step research~sub/1@1',
      'cancel-step research~sub/2@1',
      'record-error research@1',
      'record-skipped research@1',
      'run-step report@1',
    ]);
    expect(run.state.nodes['research']).toMatchObject({ status: 'skipped', recovered: true, error: { message: 'subtask 0 failed: boom' } });
    expect(runSteps(skipped)[0]!.context!.results).toEqual({ prep: { topic: 'tides' } });
    run.succeed('report');
    expect(run.state.status).toBe('completed');
  });

  it('onError retry: every job of the step carries the policy; the final failure is recorded with retry, and a resume plans again', () => {
    const run = new Run(compile(shape({}, { type: 'retry', maxAttempts: 2 })));
    run.start();
    const [plan] = runSteps(run.succeed('prep', { topic: 'tides' }));
    const policy = { attempts: 2, delayMs: 1000, backoff: 'exponential', jitter: true };
    expect(plan!.retry).toEqual(policy);
    const subtasks = runSteps(run.plan('research', THREE.slice(0, 2)));
    expect(subtasks.map((c) => c.retry)).toEqual([policy, policy]);
    run.succeed('research~sub/0');
    const [synthesis] = runSteps(run.succeed('research~sub/1'));
    expect(synthesis).toMatchObject({ key: 'research~syn', retry: policy });
    expect(errorLog(run.fail('research~syn'))).toEqual(['research:retry']);
    expect(run.state.status).toBe('failed');

    const resumed = run.resume();
    expect(run.runs('run-step', resumed)).toEqual(['research@2']);
    expect(runSteps(resumed)[0]!.config).toMatchObject({ phase: 'plan' });
    // The old parts are forgotten when the plan starts; the new ones take new attempts.
    expect(Object.keys(run.state.nodes).filter((k) => k.includes('~'))).toEqual([]);
    expect(run.runs('run-step', run.plan('research', THREE))).toEqual(['research~sub/0@2', 'research~sub/1@2', 'research~sub/2@1']);
    expect(run.result('research~sub/0', 1, 'succeeded')).toEqual([]);
  });

  it('onError escalate: the coordinator waits for a human; retry plans again, output stands in for its answer', () => {
    const run = delegating({}, { type: 'escalate', escalationHandler: 'ops' });
    const escalated = run.fail('research~sub/2', 'stuck');
    expect(run.errors(escalated)).toEqual([
      {
        type: 'record-error',
        key: 'research',
        stepId: 'research',
        stepType: 'agent-task',
        attempt: 1,
        error: { code: 'SCRIPT_ERROR', message: 'subtask 2 failed: stuck', details: { subtask: 2 } },
        strategy: 'escalate',
        escalationHandler: 'ops',
        at: expect.any(Number),
      },
    ]);
    expect(run.runs('cancel-step', escalated)).toEqual(['research~sub/0@1', 'research~sub/1@1']);
    expect(run.state.nodes['research']).toEqual({
      stepId: 'research',
      status: 'escalated',
      attempt: 1,
      error: expect.objectContaining({ message: 'subtask 2 failed: stuck' }),
    });
    expect(run.state.status).toBe('running');

    expect(run.runs('run-step', run.resolve('research', { action: 'retry' }))).toEqual(['research@2']);
    expect(run.runs('run-step', run.plan('research', [{ goal: 'only one' }]))).toEqual(['research~sub/0@2']);
    run.succeed('research~sub/0', 'one');
    expect(runSteps(run.succeed('research~syn', 'final'))).toMatchObject([{ key: 'report', context: { results: { research: 'final' } } }]);

    const human = delegating({}, { type: 'escalate' });
    human.fail('research~sub/0');
    const [report] = runSteps(human.resolve('research', { action: 'output', output: 'by hand' }));
    expect(report!.context!.results).toEqual({ prep: { topic: 'tides' }, research: 'by hand' });
  });

  it('onError alternative: the alternative runs in the coordinator’s place', () => {
    const run = new Run(
      compile(wf([script('prep', ['research']), withOnError(research({}, []), { type: 'alternative', alternativeStep: 'fallback' }), script('fallback')])),
    );
    run.start();
    run.succeed('prep', { topic: 'tides' });
    run.plan('research', THREE);
    const recovering = run.fail('research~sub/0');
    expect(log(recovering)).toEqual([
      'cancel-step research~sub/1@1',
      'cancel-step research~sub/2@1',
      'record-failed research@1',
      'record-error research@1',
      'run-step research~alt/fallback@1',
    ]);
    run.succeed('research~alt/fallback', 'plan B');
    expect(run.state.nodes['research']).toMatchObject({ status: 'succeeded', output: 'plan B' });
  });

  it('a coordinator as an alternative plans and fans out under the failed step’s pseudo-frame', () => {
    const run = new Run(
      compile(wf([withOnError(script('a'), { type: 'alternative', alternativeStep: 'research' }), coord('research', { capabilities: ['web'] })])),
    );
    run.start();
    const [plan] = runSteps(run.fail('a'));
    expect(plan).toMatchObject({ key: 'a~alt/research', config: { phase: 'plan' } });
    expect(run.runs('run-step', run.plan('a~alt/research', [{ goal: 'x' }]))).toEqual(['a~alt/research~sub/0@1']);
    expect(run.ran(run.succeed('a~alt/research~sub/0', 'X'))).toEqual(['a~alt/research~syn']);
    run.succeed('a~alt/research~syn', 'via alternative');
    expect(run.state.nodes['a']).toMatchObject({ status: 'succeeded', output: 'via alternative' });
    expect(run.state.status).toBe('completed');
  });
});

describe('agent: pause, resume, cancel, restore', () => {
  it('pause withdraws queued subtasks; results of held jobs still apply; the synthesis waits as ready until resume', () => {
    const run = delegating();
    const paused = run.pause();
    expect(run.runs('withdraw-step', paused)).toEqual(['research~sub/0@1', 'research~sub/1@1', 'research~sub/2@1']);
    run.succeed('research~sub/0', 'S0');
    const resumed = run.resume();
    // Withdrawn jobs go again as the same step runs.
    expect(run.runs('run-step', resumed)).toEqual(['research~sub/1@1', 'research~sub/2@1']);
    expect(runSteps(resumed)[0]!.config).toMatchObject({ goal: 'read them', parentGoal: 'Research tides' });
    run.pause();
    run.succeed('research~sub/1', 'S1');
    expect(run.succeed('research~sub/2', 'S2')).toEqual([]);
    expect(run.state.nodes['research~syn']).toEqual({ stepId: 'research', status: 'ready', attempt: 1 });
    const [synthesis] = runSteps(run.resume());
    expect(synthesis).toMatchObject({
      key: 'research~syn',
      attempt: 1,
      config: { phase: 'synthesize', subtasks: [{ output: 'S0' }, { output: 'S1' }, { output: 'S2' }] },
    });
  });

  it('a plan that arrives while paused holds its subtasks as ready; resume starts them all', () => {
    const run = new Run(compile(shape()));
    run.start();
    run.succeed('prep', { topic: 'tides' });
    run.pause();
    expect(run.plan('research', THREE)).toEqual([]);
    expect(['research~sub/0', 'research~sub/1', 'research~sub/2'].map((k) => run.status(k))).toEqual(['ready', 'ready', 'ready']);
    expect(run.state.status).toBe('paused');
    expect(run.runs('run-step', run.resume())).toEqual(['research~sub/0@1', 'research~sub/1@1', 'research~sub/2@1']);
  });

  it('cancel withdraws queued subtasks and ends the coordinator without recording over its plan run', () => {
    const run = delegating();
    run.succeed('research~sub/1');
    const cancelled = run.send({ type: 'cancel' });
    expect(log(cancelled)).toEqual(['cancel-step research~sub/0@1', 'cancel-step research~sub/2@1', 'execution-settled']);
    expect(run.status('research')).toBe('cancelled');
    expect(run.state.nodes['research']).not.toHaveProperty('plan');
    expect(run.result('research~sub/0', 1, 'succeeded')).toEqual([]);
  });

  it('restore keeps the coordinator delegating under its attempt and runs its unfinished subtasks again', () => {
    const run = delegating();
    run.succeed('research~sub/0', 'S0');
    const snapshot = run.state;
    run.succeed('research~sub/1', 'S1 first');
    run.succeed('research~sub/2', 'S2 first');
    run.succeed('research~syn', 'first answer');
    expect(run.status('research')).toBe('succeeded');

    const restored = run.restore(snapshot);
    expect(log(restored)).toEqual(['cancel-step report@1', 'run-step research~sub/1@2', 'run-step research~sub/2@2']);
    expect(run.state.nodes['research']).toEqual({ stepId: 'research', status: 'delegating', attempt: 1, plan: { subtasks: THREE } });
    expect(run.state.nodes['research~sub/0']).toMatchObject({ status: 'succeeded', attempt: 1, output: 'S0' });
    expect(run.result('research~sub/1', 1, 'succeeded', 'late')).toEqual([]);
    run.succeed('research~sub/1', 'S1 second');
    const [synthesis] = runSteps(run.succeed('research~sub/2', 'S2 second'));
    // The synthesis that ran after the snapshot took attempt 1: this one is a new step run.
    expect(synthesis).toMatchObject({
      key: 'research~syn',
      attempt: 2,
      config: { subtasks: [{ output: 'S0' }, { output: 'S1 second' }, { output: 'S2 second' }] },
    });
    run.succeed('research~syn', 'second answer');
    expect(run.runs('run-step', run.commands.slice(-1))).toEqual(['report@2']);
    run.succeed('report');
    expect(run.state).toMatchObject({ status: 'completed' });
    expect(visibleResults(run.state, '')).toMatchObject({ research: 'second answer' });
  });

  it('restore of a snapshot taken while the synthesis ran runs the synthesis again', () => {
    const run = delegating();
    for (const key of run.queued()) run.succeed(key, key);
    const snapshot = run.state;
    run.fail('research~syn');
    expect(run.state.status).toBe('failed');
    expect(run.runs('run-step', run.restore(snapshot))).toEqual(['research~syn@2']);
    expect(run.state.status).toBe('running');
    run.succeed('research~syn', 'ok');
    expect(run.status('research')).toBe('succeeded');
  });
});

describe('agent: resume from failure', () => {
  it('plans again after a subtask failed the execution', () => {
    const run = delegating();
    run.succeed('research~sub/0', 'S0');
    run.fail('research~sub/1');
    expect(run.state.status).toBe('failed');
    const resumed = run.resume();
    expect(log(resumed)).toEqual(['run-step research@2']);
    const again = run.plan('research', [{ goal: 'retry it' }]);
    expect(run.runs('run-step', again)).toEqual(['research~sub/0@2']);
    expect(run.state.nodes['research~sub/1']).toBeUndefined();
    expect(run.state.usedAttempts).toMatchObject({ 'research~sub/0': 1, 'research~sub/1': 1, 'research~sub/2': 1 });
    run.succeed('research~sub/0', 'R');
    expect(runSteps(run.commands.slice(-1))[0]!.config).toMatchObject({ phase: 'synthesize', subtasks: [{ goal: 'retry it', output: 'R' }] });
    run.succeed('research~syn', 'done');
    run.succeed('report');
    expect(run.state.status).toBe('completed');
  });

  it('a subtask failing after the execution failed fails the coordinator at once (no strategy), so a resume plans again', () => {
    const run = new Run(compile(wf([script('other'), withOnError(coord('research'), { type: 'escalate' })])));
    run.start();
    run.plan('research', THREE);
    run.fail('other');
    expect(run.state.status).toBe('failed');
    const failed = run.fail('research~sub/0');
    expect(log(failed)).toEqual(['cancel-step research~sub/1@1', 'cancel-step research~sub/2@1', 'record-failed research@1', 'record-error research@1']);
    expect(errorLog(failed)).toEqual(['research:none']);
    expect(run.status('research')).toBe('failed');
    expect(run.runs('run-step', run.resume())).toEqual(['other@2', 'research@2']);
  });

  it('subtask results that arrived while the execution was failed are used by the resume: the synthesis starts then', () => {
    const run = new Run(compile(wf([script('other'), coord('research')])));
    run.start();
    run.plan('research', THREE.slice(0, 2));
    run.fail('other');
    expect(run.succeed('research~sub/0', 'A')).toEqual([]);
    expect(run.succeed('research~sub/1', 'B')).toEqual([]);
    expect(run.status('research')).toBe('delegating');
    // What was recorded while failed is followed first (the subtasks' results), then the failed step runs again.
    expect(run.runs('run-step', run.resume())).toEqual(['research~syn@1', 'other@2']);
    run.succeed('other');
    run.succeed('research~syn', 'AB');
    expect(run.state).toMatchObject({ status: 'completed' });
  });

  it('a plan that arrived while the execution was failed starts its subtasks on resume; a synthesis that did completes the step', () => {
    const run = new Run(compile(wf([script('other'), coord('research', {}, ['after']), script('after')])));
    run.start();
    run.fail('other');
    expect(run.plan('research', [{ goal: 'x' }])).toEqual([]);
    expect(run.status('research')).toBe('delegating');
    expect(run.runs('run-step', run.resume())).toEqual(['other@2', 'research~sub/0@1']);

    const late = new Run(compile(wf([script('other'), coord('research', {}, ['after']), script('after')])));
    late.start();
    late.plan('research', [{ goal: 'x' }]);
    late.succeed('research~sub/0');
    late.fail('other');
    expect(log(late.succeed('research~syn', 'Y'))).toEqual(['record-succeeded research@1']);
    expect(late.status('research')).toBe('succeeded');
    // What was recorded while failed is followed first, then the failed step runs again.
    expect(late.runs('run-step', late.resume())).toEqual(['after@1', 'other@2']);
  });
});

describe('agent: inside loops and parallels', () => {
  it('each iteration plans, fans out and synthesizes on its own, reading its iteration', () => {
    const run = new Run(
      compile(wf([loop('l', 'research', { maxIterations: 2, onMaxIterations: 'complete' }), coord('research', { goal: 'Round {{ execution.id }}' })])),
    );
    const [plan0] = runSteps(run.start());
    expect(plan0).toMatchObject({ key: 'l#0/research', context: { loop: { iteration: 0 } }, config: { phase: 'plan' } });
    const fanned = runSteps(run.plan('l#0/research', THREE.slice(0, 2)));
    expect(fanned.map((c) => c.key)).toEqual(['l#0/research~sub/0', 'l#0/research~sub/1']);
    expect(fanned[1]).toMatchObject({ stepId: 'research', attempt: 1, context: { loop: { iteration: 0 } }, config: { parentGoal: 'Round exec-1' } });
    expect(stepScope(run.workflow, run.state, 'l#0/research~sub/1', 'research')).toMatchObject({ loop: { iteration: 0 } });
    run.succeed('l#0/research~sub/0', 'a0');
    const [synthesis] = runSteps(run.succeed('l#0/research~sub/1', 'b0'));
    expect(synthesis).toMatchObject({ key: 'l#0/research~syn', context: { loop: { iteration: 0 } } });
    const [plan1] = runSteps(run.succeed('l#0/research~syn', 'round 0'));
    expect(plan1).toMatchObject({ key: 'l#1/research', attempt: 1, context: { loop: { iteration: 1 }, results: {} } });
    run.plan('l#1/research', [{ goal: 'one' }]);
    run.succeed('l#1/research~sub/0', 'a1');
    run.succeed('l#1/research~syn', 'round 1');
    expect(run.state.nodes['l']).toMatchObject({ status: 'succeeded', output: ['round 0', 'round 1'] });
    expect(run.state.status).toBe('completed');
  });

  it('a failing subtask fails the iteration, and so the loop', () => {
    const run = new Run(compile(wf([loop('l', 'research', { maxIterations: 3 }), coord('research')])));
    run.start();
    run.plan('l#0/research', THREE);
    const failed = run.fail('l#0/research~sub/1');
    expect(run.runs('cancel-step', failed)).toEqual(['l#0/research~sub/0@1', 'l#0/research~sub/2@1']);
    expect(errorLog(failed)).toEqual(['l#0/research:none', 'l:none']);
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'l', message: 'loop "l" iteration 0: subtask 1 failed: boom' } });
  });

  it('a fail-fast parallel whose other branch fails cancels the subtasks in flight', () => {
    const run = new Run(compile(wf([parallel('p', ['research', 'b']), coord('research'), script('b')])));
    run.start();
    run.plan('research', THREE.slice(0, 2));
    run.succeed('research~sub/0');
    const failed = run.fail('b');
    expect(run.runs('cancel-step', failed)).toEqual(['research~sub/1@1']);
    expect(run.status('research')).toBe('cancelled');
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'p' } });
    // A resume plans the coordinator again.
    expect(run.runs('run-step', run.resume())).toEqual(['research@2', 'b@2']);
  });
});

describe('agent: token usage', () => {
  const usage = (inputTokens: number, outputTokens: number, costUsd?: number) => ({ inputTokens, outputTokens, ...(costUsd !== undefined ? { costUsd } : {}) });

  it('adds every applied result’s usage, failed runs, plans, subtasks and syntheses included', () => {
    const run = new Run(compile(wf([withOnError(agent('solo', {}), { type: 'skip' }), coord('research')])));
    expect(run.state).not.toHaveProperty('usage');
    expect(usageOf(run.state)).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
    run.start();
    run.fail('solo', 'gave up', { code: 'AGENT_MAX_TURNS', usage: usage(100, 10, 0.5) });
    expect(run.state.usage).toEqual({ inputTokens: 100, outputTokens: 10, costUsd: 0.5 });
    run.plan('research', THREE.slice(0, 2), usage(20, 5));
    run.succeed('research~sub/0', 'a', undefined, usage(1, 1, 0.25));
    run.fail('research~sub/1', 'x', { usage: usage(2, 2, 0.1) });
    expect(usageOf(run.state)).toEqual({ inputTokens: 123, outputTokens: 18, costUsd: 0.85 });
    run.resume();
    run.plan('research', [{ goal: 'again' }], usage(0, 0, 0.2));
    expect(usageOf(run.state).costUsd).toBe(1.05);
  });

  it('a result the engine ignores adds nothing', () => {
    const run = delegating();
    run.succeed('research~sub/0', 'a', undefined, usage(10, 10));
    const before = run.state.usage;
    run.send({ type: 'step.succeeded', key: 'research~sub/0', attempt: 1, output: 'again', usage: usage(10, 10), at: 5_000 });
    run.send({ type: 'step.failed', key: 'research~sub/9', attempt: 1, error: { code: 'AGENT_PROVIDER', message: 'x' }, usage: usage(99, 99) });
    expect(run.ignored).toHaveLength(2);
    expect(run.state.usage).toBe(before);
    run.send({ type: 'cancel' });
    run.send({ type: 'step.succeeded', key: 'research~sub/1', attempt: 1, output: 'late', usage: usage(7, 7) });
    expect(usageOf(run.state)).toEqual({ inputTokens: 10, outputTokens: 10, costUsd: 0 });
  });

  it('a result recorded while the execution is failed counts; a restore keeps what was spent', () => {
    const run = new Run(compile(wf([script('other'), agent('solo', {})])));
    run.start();
    const snapshot = run.state;
    run.fail('other');
    run.succeed('solo', 'x', undefined, usage(5, 5));
    expect(usageOf(run.state).inputTokens).toBe(5);
    run.restore(snapshot);
    expect(run.state.usage).toEqual({ inputTokens: 5, outputTokens: 5, costUsd: 0 });
  });
});

describe('agent: token budget', () => {
  const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens });

  it('every agent job carries what is left of the budget; other steps carry nothing', () => {
    const run = new Run(compile(wf([script('prep', ['research']), research({}, ['solo']), agent('solo', {})])), {}, { tokenBudget: 1_000 });
    expect(run.state.tokenBudget).toBe(1_000);
    expect(runSteps(run.start())[0]).not.toHaveProperty('budget');
    expect(runSteps(run.succeed('prep', { topic: 't' }))[0]!.budget).toEqual({ remainingTokens: 1_000 });
    expect(runSteps(run.plan('research', THREE, usage(200, 100))).map((c) => c.budget)).toEqual([
      { remainingTokens: 700 },
      { remainingTokens: 700 },
      { remainingTokens: 700 },
    ]);
    run.succeed('research~sub/0', 'a', undefined, usage(100, 0));
    run.succeed('research~sub/1', 'b', undefined, usage(100, 0));
    expect(runSteps(run.succeed('research~sub/2', 'c', undefined, usage(50, 50)))[0]).toMatchObject({ key: 'research~syn', budget: { remainingTokens: 400 } });
    expect(runSteps(run.succeed('research~syn', 'd', undefined, usage(300, 50)))[0]).toMatchObject({ key: 'solo', budget: { remainingTokens: 50 } });
    expect(remainingTokens(run.state)).toBe(50);
  });

  it('an agent step that becomes ready with nothing left fails at once with AGENT_BUDGET, and its strategy acts', () => {
    const run = new Run(
      compile(wf([agent('first', {}, ['second']), withOnError(agent('second', {}, ['third']), { type: 'skip' }), agent('third', {})])),
      {},
      { tokenBudget: 100 },
    );
    run.start();
    const error = {
      code: 'AGENT_BUDGET',
      message: 'step "second": the execution\'s token budget of 100 tokens is used up (120 used)',
      details: { budget: 100, used: 120 },
    };
    const skipped = run.succeed('first', 'x', undefined, usage(100, 20));
    expect(log(skipped)).toEqual(['record-error second@1', 'record-skipped second@1', 'record-failed third@1', 'record-error third@1', 'execution-settled']);
    expect(run.errors(skipped)[0]!.error).toEqual(error);
    expect(run.state).toMatchObject({ status: 'failed', error: { code: 'AGENT_BUDGET', stepId: 'third' } });
    expect(run.ran()).toEqual(['first']);
  });

  it('a coordinator whose plan used up the budget fails with AGENT_BUDGET before any subtask runs', () => {
    const run = new Run(compile(shape()), {}, { tokenBudget: 500 });
    run.start();
    run.succeed('prep', { topic: 't' });
    const failed = run.plan('research', THREE, usage(400, 100));
    expect(log(failed)).toEqual(['record-failed research~sub/0@1', 'record-failed research@1', 'record-error research@1', 'execution-settled']);
    expect(run.state.nodes['research']!.error).toMatchObject({
      code: 'AGENT_BUDGET',
      message: expect.stringContaining('subtask 0 failed: step "research": the execution\'s token budget of 500 tokens is used up (500 used)'),
    });
    expect(run.state.nodes['research~sub/1']).toBeUndefined();
  });

  it('a job a pause withdrew goes again on resume even with the budget used up: it is the same run, not a new start', () => {
    const budgeted = new Run(compile(shape()), {}, { tokenBudget: 100 });
    budgeted.start();
    budgeted.succeed('prep', { topic: 't' });
    budgeted.plan('research', THREE.slice(0, 2), usage(10, 10));
    budgeted.pause();
    budgeted.succeed('research~sub/0', 'a', undefined, usage(80, 10));
    expect(log(budgeted.resume())).toEqual(['run-step research~sub/1@1']);
    expect(runSteps(budgeted.commands.slice(-1))[0]!.budget).toEqual({ remainingTokens: -10 });
    expect(budgeted.state.nodes['research~sub/1']).toEqual({ stepId: 'research', status: 'queued', attempt: 1 });
  });

  it('without a budget, agent jobs carry no budget field', () => {
    const run = delegating();
    expect(run.state).not.toHaveProperty('tokenBudget');
    expect(run.commands.filter((c) => c.type === 'run-step').every((c) => !('budget' in c))).toBe(true);
    expect(remainingTokens(run.state)).toBeUndefined();
  });
});

describe('agent: registered strategies', () => {
  it('a strategy registered for agent-task applies to the coordinator step as a whole', () => {
    const run = new Run(compile(shape()), {}, { strategies: strategies({ 'agent-task': { type: 'skip' } }) });
    run.start();
    run.succeed('prep', { topic: 't' });
    run.plan('research', THREE);
    expect(run.ran(run.fail('research~sub/1'))).toEqual(['report']);
    expect(run.state.nodes['research']).toMatchObject({ status: 'skipped', recovered: true });
  });
});
