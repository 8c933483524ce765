import { describe, expect, it } from 'vitest';
import { loopInfo, stepScope, type EngineCommand, type RecordErrorCommand } from '@agentic-flow/engine';
import type { RecoveryStrategy } from '@agentic-flow/spec';
import { Run, compile, condition, http, loop, parallel, runSteps, script, strategies, wf } from './harness.js';

type OnError = { type: RecoveryStrategy['type'] } & Record<string, unknown>;
const withOnError = <S extends object>(step: S, onError: OnError) => ({ ...step, onError }) as S & { onError: RecoveryStrategy };
const retry = (extra: Record<string, unknown> = {}): OnError => ({ type: 'retry', ...extra });

/** `key:strategy` of every record-error command. */
const errorLog = (commands: readonly EngineCommand[]) =>
  commands.filter((c): c is RecordErrorCommand => c.type === 'record-error').map((c) => `${c.key}:${c.strategy}`);

describe('recovery: which strategy', () => {
  it('puts a type-level retry strategy on every run-step of that type, and on no other', () => {
    const run = new Run(
      compile(wf([http('h', 'http://x', ['s']), script('s')])),
      {},
      { strategies: strategies({ http: { type: 'retry', maxAttempts: 4, retryDelay: 500 } }) },
    );
    const [h] = runSteps(run.start());
    expect(h!.retry).toEqual({ attempts: 4, delayMs: 500, backoff: 'exponential', jitter: true });
    const [s] = runSteps(run.succeed('h'));
    expect(s!.retry).toBeUndefined();
    expect(s).not.toHaveProperty('retry');
  });

  it('a step id registration beats the type’s, and onError beats both', () => {
    const run = new Run(
      compile(
        wf([
          script('byType'),
          script('byId'),
          withOnError(script('own'), retry({ maxAttempts: 7, retryDelay: 20, backoff: 'fixed', maxDelay: 10_000, jitter: false })),
          // Its id's registration is not retry: the type's retry does not apply either.
          script('idSkips'),
        ]),
      ),
      {},
      {
        strategies: strategies({
          script: { type: 'retry', maxAttempts: 2, retryDelay: 100 },
          byId: { type: 'retry', maxAttempts: 5, retryDelay: 300, maxDelay: 2_000 },
          own: { type: 'retry', maxAttempts: 9 },
          idSkips: { type: 'skip' },
        }),
      },
    );
    const policies = Object.fromEntries(runSteps(run.start()).map((c) => [c.key, c.retry]));
    expect(policies).toEqual({
      byType: { attempts: 2, delayMs: 100, backoff: 'exponential', jitter: true },
      byId: { attempts: 5, delayMs: 300, backoff: 'exponential', maxDelayMs: 2_000, jitter: true },
      own: { attempts: 7, delayMs: 20, backoff: 'fixed', maxDelayMs: 10_000, jitter: false },
      idSkips: undefined,
    });
  });

  it('a retried step’s failure is its last attempt’s: it fails as usual, with record-error strategy retry', () => {
    const run = new Run(compile(wf([withOnError(script('a', ['b']), retry()), script('b')])));
    const [a] = runSteps(run.start());
    expect(a!.retry).toEqual({ attempts: 3, delayMs: 1000, backoff: 'exponential', jitter: true });
    const failed = run.fail('a', 'third time');
    expect(failed).toEqual([
      {
        type: 'record-error',
        key: 'a',
        stepId: 'a',
        stepType: 'script',
        attempt: 1,
        error: { code: 'SCRIPT_ERROR', message: 'third time' },
        strategy: 'retry',
        at: 1020,
      },
      { type: 'execution-settled', status: 'failed', error: { code: 'SCRIPT_ERROR', message: 'third time', stepId: 'a' }, at: 1020 },
    ]);
    expect(run.state.nodes['a']).toEqual({ stepId: 'a', status: 'failed', attempt: 1, error: { code: 'SCRIPT_ERROR', message: 'third time' } });
    // A resume from failure sends it again, with its policy.
    expect(runSteps(run.resume())[0]).toMatchObject({ key: 'a', attempt: 2, retry: { attempts: 3 } });
  });

  it('keeps a step named like a type apart from the type: its id’s strategy is not the type’s, nor the reverse', () => {
    const workflow = compile(wf([script('http', ['after']), http('after', 'http://x')]));
    const byId = new Run(workflow, {}, { strategies: strategies({}, { http: { type: 'retry', maxAttempts: 6 } }) });
    expect(Object.fromEntries(runSteps(byId.start()).map((c) => [c.key, c.retry?.attempts]))).toEqual({ http: 6 });
    expect(runSteps(byId.succeed('http'))[0]!.retry).toBeUndefined();
    const byType = new Run(workflow, {}, { strategies: strategies({ http: { type: 'retry', maxAttempts: 4 } }) });
    expect(runSteps(byType.start())[0]!.retry).toBeUndefined();
    expect(runSteps(byType.succeed('http'))[0]!.retry).toMatchObject({ attempts: 4 });
  });

  it('ignores a registered strategy naming a step the workflow does not have', () => {
    const run = new Run(compile(wf([script('a')])), {}, { strategies: strategies({ a: { type: 'alternative', alternativeStep: 'elsewhere' } }) });
    run.start();
    expect(errorLog(run.fail('a'))).toEqual(['a:none']);
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'a' } });
  });
});

describe('recovery: skip', () => {
  it('counts the failed step as done without output: its successors and a join after it run, without it in results', () => {
    const run = new Run(
      compile(wf([script('a', ['b']), withOnError(script('b', ['c', 'join']), { type: 'skip' }), script('c'), script('d', ['join']), script('join')])),
    );
    run.start();
    run.succeed('a', 'A');
    run.succeed('d', 'D');
    const skipped = run.fail('b', 'optional thing broke');
    expect(skipped.slice(0, 2)).toEqual([
      {
        type: 'record-error',
        key: 'b',
        stepId: 'b',
        stepType: 'script',
        attempt: 1,
        error: { code: 'SCRIPT_ERROR', message: 'optional thing broke' },
        strategy: 'skip',
        at: 1040,
      },
      {
        type: 'record-step',
        key: 'b',
        stepId: 'b',
        stepType: 'script',
        attempt: 1,
        status: 'skipped',
        error: { code: 'SCRIPT_ERROR', message: 'optional thing broke' },
        at: 1040,
      },
    ]);
    expect(run.state.nodes['b']).toEqual({
      stepId: 'b',
      status: 'skipped',
      attempt: 1,
      error: { code: 'SCRIPT_ERROR', message: 'optional thing broke' },
      recovered: true,
    });
    const started = runSteps(skipped);
    expect(started.map((c) => c.key)).toEqual(['c', 'join']);
    expect(started[0]!.context!.results).toEqual({ a: 'A', d: 'D' });
    run.succeed('c');
    run.succeed('join');
    expect(run.state).toMatchObject({ status: 'completed', error: null });
  });

  it('skips a step whose template fails, with one skipped run', () => {
    const run = new Run(compile(wf([withOnError(http('h', 'http://x/{{ variables.missing }}', ['next']), { type: 'skip' }), script('next')])));
    const started = run.start();
    expect(started.map((c) => c.type)).toEqual(['record-error', 'record-step', 'run-step']);
    expect(run.recorded('skipped', started)).toEqual(['h']);
    expect(run.recorded('failed', started)).toEqual([]);
    expect(run.ran(started)).toEqual(['next']);
  });

  it('inside a fail-fast parallel, a skipped step fails nothing: its branch goes on and the parallel succeeds', () => {
    const run = new Run(
      compile(wf([parallel('p', ['a', 'b'], {}, ['after']), withOnError(script('a', ['a2']), { type: 'skip' }), script('a2'), script('b'), script('after')])),
    );
    run.start();
    expect(run.ran(run.fail('a'))).toEqual(['a2']);
    expect(run.status('b')).toBe('queued');
    run.succeed('a2', 'A2');
    expect(run.ran(run.succeed('b', 'B'))).toEqual(['after']);
    expect(run.state.nodes['p']).toMatchObject({ status: 'succeeded', output: { a: 'A2', b: 'B' } });
  });

  it('a skipped condition takes neither side: its true and false steps are skipped, its next steps run', () => {
    const run = new Run(
      compile(
        wf([withOnError(condition('c', 'results.nope.deeper', 'yes', 'no', ['always']), { type: 'skip' }), script('yes'), script('no'), script('always')]),
      ),
    );
    const started = run.start();
    expect(run.recorded('skipped', started)).toEqual(['c', 'yes', 'no']);
    expect(run.ran(started)).toEqual(['always']);
  });
});

describe('recovery: alternative', () => {
  const shape = () =>
    wf([
      script('prepare', ['primary']),
      withOnError(script('primary', ['use']), { type: 'alternative', alternativeStep: 'backup' }),
      script('backup'),
      script('use'),
    ]);

  it('runs the alternative in the failed step’s place, reading its scope; its output stands in downstream', () => {
    const run = new Run(compile(shape()));
    run.start();
    run.succeed('prepare', 'P', { tries: 1 });
    const recovering = run.fail('primary', 'primary down');
    expect(errorLog(recovering)).toEqual(['primary:alternative']);
    const [backup] = runSteps(recovering);
    expect(backup).toMatchObject({ key: 'primary~alt/backup', stepId: 'backup', attempt: 1, context: { results: { prepare: 'P' }, variables: { tries: 1 } } });
    expect(run.state.nodes['primary']).toMatchObject({
      status: 'recovering',
      error: { message: 'primary down' },
      recovery: { strategy: 'alternative', step: 'backup' },
    });
    expect(run.state.hosts).toEqual({ 'primary~alt/backup': { host: 'primary', role: 'alternative' } });
    expect(run.state.status).toBe('running');

    const [use] = runSteps(run.succeed('primary~alt/backup', 'from backup'));
    expect(run.state.nodes['primary']).toEqual({ stepId: 'primary', status: 'succeeded', attempt: 1, output: 'from backup' });
    expect(use).toMatchObject({ key: 'use', context: { results: { prepare: 'P', primary: 'from backup' } } });
    run.succeed('use');
    expect(run.state.status).toBe('completed');
    expect(run.ran()).toEqual(['prepare', 'primary', 'primary~alt/backup', 'use']);
  });

  it('an alternative that fails too fails the scope with the original failure, as if there were no strategy', () => {
    const run = new Run(compile(shape()));
    run.start();
    run.succeed('prepare');
    run.fail('primary', 'primary down');
    const failed = run.fail('primary~alt/backup', 'backup down too');
    expect(errorLog(failed)).toEqual(['primary~alt/backup:none']);
    expect(run.state.nodes['primary']).toMatchObject({ status: 'failed', error: { message: 'primary down' } });
    expect(run.state).toMatchObject({ status: 'failed', error: { code: 'SCRIPT_ERROR', message: 'primary down', stepId: 'primary' } });
    expect(run.ran()).not.toContain('use');
  });

  it('in a fail-fast parallel, an alternative that fails fails the parallel; one that succeeds lets it succeed', () => {
    const steps = () => [parallel('p', ['a', 'b']), withOnError(script('a'), { type: 'alternative', alternativeStep: 'a-alt' }), script('a-alt'), script('b')];
    const failing = new Run(compile(wf(steps())));
    failing.start();
    failing.fail('a');
    expect(failing.status('b')).toBe('queued');
    failing.fail('a~alt/a-alt');
    expect(failing.status('b')).toBe('cancelled');
    expect(failing.state).toMatchObject({ status: 'failed', error: { stepId: 'p', message: 'branch "a" failed at step "a": boom' } });

    const standingIn = new Run(compile(wf(steps())));
    standingIn.start();
    standingIn.fail('a');
    standingIn.succeed('b', 'B');
    expect(standingIn.status('p')).toBe('running');
    standingIn.succeed('a~alt/a-alt', 'ALT');
    expect(standingIn.state.nodes['p']).toMatchObject({ status: 'succeeded', output: { a: 'ALT', b: 'B' } });
    expect(standingIn.state.status).toBe('completed');
  });

  it('fails the scope at once when the alternative’s own template does not resolve', () => {
    const run = new Run(compile(wf([withOnError(script('a'), { type: 'alternative', alternativeStep: 'b' }), http('b', 'http://x/{{ variables.nope }}')])));
    run.start();
    const failed = run.fail('a', 'a broke');
    expect(errorLog(failed)).toEqual(['a:alternative', 'a~alt/b:none']);
    expect(run.recorded('failed', failed)).toEqual(['a~alt/b']);
    expect(run.state).toMatchObject({ status: 'failed', error: { message: 'a broke', stepId: 'a' } });
  });

  it('is held by a pause, and a restore runs it again under a new attempt while the failed step keeps recovering', () => {
    const run = new Run(compile(shape()));
    run.start();
    run.succeed('prepare');
    run.pause();
    expect(run.fail('primary').map((c) => c.type)).toEqual(['record-error']);
    expect(run.state.nodes['primary~alt/backup']).toEqual({ stepId: 'backup', status: 'ready', attempt: 1 });
    expect(run.runs('run-step', run.resume())).toEqual(['primary~alt/backup@1']);
    const snapshot = run.state;
    run.succeed('primary~alt/backup', 'first');
    const restored = run.restore(snapshot);
    expect(run.runs('run-step', restored)).toEqual(['primary~alt/backup@2']);
    expect(run.status('primary')).toBe('recovering');
    run.succeed('primary~alt/backup', 'second');
    expect(run.state.nodes['primary']).toMatchObject({ status: 'succeeded', output: 'second' });
  });

  it('inside a loop, the alternative reads the iteration (loop.iteration and its results) and sets variables like the failed step', () => {
    const run = new Run(
      compile(
        wf([
          loop('l', 'get', { maxIterations: 2, onMaxIterations: 'complete' }),
          script('get', ['save']),
          withOnError(script('save'), { type: 'alternative', alternativeStep: 'save-elsewhere' }),
          script('save-elsewhere'),
        ]),
      ),
    );
    run.start();
    run.succeed('l#0/get', 'got0');
    run.succeed('l#0/save', 'saved0');
    run.succeed('l#1/get', 'got1');
    const [alt] = runSteps(run.fail('l#1/save'));
    expect(alt).toMatchObject({ key: 'l#1/save~alt/save-elsewhere', context: { results: { get: 'got1' }, loop: { iteration: 1 } } });
    expect(loopInfo('l#1/save~alt')).toEqual({ iteration: 1 });
    expect(loopInfo('outer#0/inner#3/x~rb')).toEqual({ iteration: 3 });
    expect(stepScope(run.workflow, run.state, 'l#1/save~alt/save-elsewhere', 'save-elsewhere')).toMatchObject({
      results: { get: 'got1' },
      loop: { iteration: 1 },
    });
    run.succeed('l#1/save~alt/save-elsewhere', 'saved1 elsewhere', { where: 'elsewhere' });
    expect(run.state.nodes['l']).toMatchObject({ status: 'succeeded', output: ['saved0', 'saved1 elsewhere'] });
    expect(run.state.variables).toEqual({ where: 'elsewhere' });
  });
});

describe('recovery: rollback', () => {
  const shape = (rollbackSteps = ['undo-1', 'undo-2', 'undo-3']) =>
    wf([
      script('reserve', ['charge']),
      withOnError(script('charge', ['ship']), { type: 'rollback', rollbackSteps }),
      script('ship'),
      script('audit'),
      script('notify', ['notify2']),
      script('notify2'),
      ...rollbackSteps.map((id) => script(id)),
    ]);

  it('cancels the other active steps first, then runs the compensations in reverse order, one after the other, and fails ROLLED_BACK', () => {
    const run = new Run(compile(shape()));
    run.start();
    run.succeed('reserve', 'R');
    run.pause();
    // notify2 becomes ready (held by the pause); audit stays queued.
    run.succeed('notify', 'N');
    run.resume();
    expect(run.queued()).toEqual(['audit', 'charge', 'notify2']);

    const first = run.fail('charge', 'card declined');
    expect(first.map((c) => c.type)).toEqual(['record-error', 'cancel-step', 'cancel-step', 'run-step']);
    expect(errorLog(first)).toEqual(['charge:rollback']);
    expect(run.runs('cancel-step', first)).toEqual(['audit@1', 'notify2@1']);
    expect(runSteps(first)[0]).toMatchObject({ key: 'charge~rb/undo-3', stepId: 'undo-3', attempt: 1, context: { results: { reserve: 'R', notify: 'N' } } });
    expect(run.state.nodes['charge']).toMatchObject({ status: 'recovering', recovery: { strategy: 'rollback', steps: ['undo-3', 'undo-2', 'undo-1'] } });

    expect(run.ran(run.succeed('charge~rb/undo-3'))).toEqual(['charge~rb/undo-2']);
    expect(run.result('charge~rb/undo-3', 1, 'succeeded')).toEqual([]);
    expect(run.ran(run.succeed('charge~rb/undo-2'))).toEqual(['charge~rb/undo-1']);
    expect(run.state.status).toBe('running');
    const last = run.succeed('charge~rb/undo-1');
    const message = 'step "charge" failed (SCRIPT_ERROR: card declined); rolled back with "undo-3", "undo-2", "undo-1"';
    expect(last).toEqual([{ type: 'execution-settled', status: 'failed', error: { code: 'ROLLED_BACK', message, stepId: 'charge' }, at: expect.any(Number) }]);
    expect(run.state.nodes['charge']).toMatchObject({
      status: 'failed',
      error: {
        code: 'ROLLED_BACK',
        message,
        details: { error: { code: 'SCRIPT_ERROR', message: 'card declined' }, compensations: ['undo-3', 'undo-2', 'undo-1'], failed: [] },
      },
    });
    // Each compensation ran exactly once; nothing after the failed step ran.
    expect(run.ran().filter((k) => k.includes('~rb/'))).toEqual(['charge~rb/undo-3', 'charge~rb/undo-2', 'charge~rb/undo-1']);
    expect(run.ran()).not.toContain('ship');
    expect(run.errors().length).toBe(1);
  });

  it('records a failing compensation and still runs the next one; the error names it', () => {
    const fresh = new Run(compile(shape(['undo-1', 'undo-2'])));
    fresh.start();
    fresh.succeed('reserve');
    fresh.fail('charge', 'declined');
    const next = fresh.fail('charge~rb/undo-2', 'undo broke');
    expect(errorLog(next)).toEqual(['charge~rb/undo-2:none']);
    expect(fresh.ran(next)).toEqual(['charge~rb/undo-1']);
    fresh.succeed('charge~rb/undo-1');
    expect(fresh.state).toMatchObject({
      status: 'failed',
      error: {
        code: 'ROLLED_BACK',
        message: 'step "charge" failed (SCRIPT_ERROR: declined); rolled back with "undo-2", "undo-1"; compensation "undo-2" failed (SCRIPT_ERROR: undo broke)',
      },
    });
    expect((fresh.state.nodes['charge']!.error!.details as { failed: unknown[] }).failed).toEqual([
      { step: 'undo-2', error: { code: 'SCRIPT_ERROR', message: 'undo broke' } },
    ]);
    expect(errorLog(fresh.commands)).toEqual(['charge:rollback', 'charge~rb/undo-2:none']);
  });

  it('inside a fail-fast parallel, cancels the other branches, compensates, and fails the parallel with ROLLED_BACK', () => {
    const run = new Run(
      compile(
        wf([
          parallel('p', ['a', 'b', 'c'], {}, ['after']),
          withOnError(script('a'), { type: 'rollback', rollbackSteps: ['undo-a'] }),
          script('b'),
          script('c'),
          script('undo-a'),
          script('after'),
        ]),
      ),
    );
    run.start();
    run.succeed('c', 'C');
    const rolling = run.fail('a', 'a broke');
    expect(run.runs('cancel-step', rolling)).toEqual(['b@1']);
    expect(run.ran(rolling)).toEqual(['a~rb/undo-a']);
    expect(run.status('p')).toBe('running');
    const failed = run.succeed('a~rb/undo-a');
    expect(errorLog(failed)).toEqual(['p:none']);
    expect(run.state.nodes['p']).toMatchObject({
      status: 'failed',
      error: {
        code: 'ROLLED_BACK',
        message: expect.stringContaining('branch "a" failed at step "a": step "a" failed (SCRIPT_ERROR: a broke); rolled back with "undo-a"'),
      },
    });
    expect(run.state).toMatchObject({ status: 'failed', error: { code: 'ROLLED_BACK', stepId: 'p' } });
    expect(run.ran()).not.toContain('after');
  });

  it('in a branch of a parallel that does not fail fast, cancels only the rest of that branch', () => {
    const run = new Run(
      compile(
        wf([
          parallel('p', ['a', 'b'], { failFast: false }),
          script('a', ['a1', 'a2']),
          withOnError(script('a1'), { type: 'rollback', rollbackSteps: ['undo'] }),
          script('a2'),
          script('b'),
          script('undo'),
        ]),
      ),
    );
    run.start();
    run.succeed('a');
    const rolling = run.fail('a1');
    expect(run.runs('cancel-step', rolling)).toEqual(['a2@1']);
    expect(run.status('b')).toBe('queued');
    run.succeed('a1~rb/undo');
    expect(run.status('p')).toBe('running');
    run.succeed('b');
    expect(run.state.nodes['p']).toMatchObject({ status: 'failed', error: { code: 'BRANCH_FAILED', message: expect.stringContaining('a: ROLLED_BACK') } });
  });

  it('inside a loop body, cancels the rest of the iteration only, then fails the loop', () => {
    const run = new Run(
      compile(
        wf([
          loop('l', 'start', { maxIterations: 3 }),
          script('start', ['x', 'y']),
          withOnError(script('x'), { type: 'rollback', rollbackSteps: ['undo-x'] }),
          script('y'),
          script('undo-x'),
          script('elsewhere'),
        ]),
      ),
    );
    run.start();
    run.succeed('l#0/start');
    const rolling = run.fail('l#0/x');
    expect(run.runs('cancel-step', rolling)).toEqual(['l#0/y@1']);
    expect(run.status('elsewhere')).toBe('queued');
    expect(run.ran(rolling)).toEqual(['l#0/x~rb/undo-x']);
    run.succeed('l#0/x~rb/undo-x');
    expect(run.state.nodes['l']).toMatchObject({ status: 'failed', error: { code: 'ROLLED_BACK' } });
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'l', code: 'ROLLED_BACK' } });
  });

  it('a resume from failure runs the rolled-back step again, and its compensations afresh if it fails again', () => {
    const run = new Run(compile(shape(['undo-1'])));
    run.start();
    run.succeed('reserve');
    run.fail('charge');
    run.succeed('charge~rb/undo-1');
    expect(run.state.status).toBe('failed');
    const retried = run.resume();
    // The cancelled steps and the failed one run again; the compensation does not run on its own.
    expect(run.runs('run-step', retried)).toEqual(['audit@2', 'notify@2', 'charge@2']);
    run.fail('charge', 'again');
    expect(run.runs('run-step').filter((r) => r.includes('~rb/'))).toEqual(['charge~rb/undo-1@1', 'charge~rb/undo-1@2']);
  });
});

describe('recovery: escalate', () => {
  const shape = () => wf([withOnError(script('approve', ['after']), { type: 'escalate', escalationHandler: 'admin' }), script('after'), script('other')]);

  function escalated(): Run {
    const run = new Run(compile(shape()));
    run.start();
    const commands = run.fail('approve', 'needs a human');
    expect(commands).toEqual([
      {
        type: 'record-error',
        key: 'approve',
        stepId: 'approve',
        stepType: 'script',
        attempt: 1,
        error: { code: 'SCRIPT_ERROR', message: 'needs a human' },
        strategy: 'escalate',
        escalationHandler: 'admin',
        at: 1020,
      },
    ]);
    return run;
  }

  it('waits as escalated, cancels nothing, and keeps the execution running', () => {
    const run = escalated();
    expect(run.state.nodes['approve']).toEqual({
      stepId: 'approve',
      status: 'escalated',
      attempt: 1,
      error: { code: 'SCRIPT_ERROR', message: 'needs a human' },
    });
    expect(run.status('other')).toBe('queued');
    run.succeed('other');
    expect(run.state.status).toBe('running');
  });

  it('resolution retry runs it again under attempt 2', () => {
    const run = escalated();
    const again = run.resolve('approve', { action: 'retry' });
    expect(run.runs('run-step', again)).toEqual(['approve@2']);
    run.succeed('approve', 'ok');
    run.succeed('after');
    run.succeed('other');
    expect(run.state.status).toBe('completed');
    // Failing again escalates again, under the new attempt.
    const twice = escalated();
    twice.resolve('approve', { action: 'retry' });
    expect(errorLog(twice.fail('approve'))).toEqual(['approve:escalate']);
    expect(twice.state.nodes['approve']).toMatchObject({ status: 'escalated', attempt: 2 });
  });

  it('resolution skip lets its successors run, as strategy skip', () => {
    const run = escalated();
    const skipped = run.resolve('approve', { action: 'skip' });
    expect(run.recorded('skipped', skipped)).toEqual(['approve']);
    expect(run.ran(skipped)).toEqual(['after']);
    expect(run.state.nodes['approve']).toMatchObject({ status: 'skipped', recovered: true, error: { message: 'needs a human' } });
  });

  it('resolution output makes it succeed with that output', () => {
    const run = escalated();
    const [after] = runSteps(run.resolve('approve', { action: 'output', output: { approved: true } }));
    expect(run.state.nodes['approve']).toEqual({ stepId: 'approve', status: 'succeeded', attempt: 1, output: { approved: true } });
    expect(after!.context!.results).toEqual({ approve: { approved: true } });
    expect(run.recorded('succeeded')).toEqual(['approve']);
  });

  it('resolution fail lets the failure go on to its scope', () => {
    const run = escalated();
    const failed = run.resolve('approve', { action: 'fail' });
    expect(failed).toEqual([
      { type: 'execution-settled', status: 'failed', error: { code: 'SCRIPT_ERROR', message: 'needs a human', stepId: 'approve' }, at: expect.any(Number) },
    ]);
    expect(run.errors()).toHaveLength(1);
  });

  it('ignores a second resolution, one of another attempt, and one of a step that is not escalated', () => {
    const run = escalated();
    expect(run.resolve('approve', { action: 'skip' }, 2)).toEqual([]);
    expect(run.resolve('other', { action: 'skip' })).toEqual([]);
    run.resolve('approve', { action: 'output', output: 1 });
    expect(run.resolve('approve', { action: 'fail' })).toEqual([]);
    expect(run.ignored).toEqual([
      'no escalated step run approve attempt 2',
      'no escalated step run other attempt 1',
      'no escalated step run approve attempt 1',
    ]);
    expect(run.state.nodes['approve']).toMatchObject({ status: 'succeeded', output: 1 });
  });

  it('cancel cancels an escalated step; a later resolution is ignored', () => {
    const run = escalated();
    const cancelled = run.send({ type: 'cancel' });
    expect(cancelled.map((c) => c.type)).toEqual(['cancel-step', 'execution-settled']);
    expect(run.status('approve')).toBe('cancelled');
    expect(run.state.status).toBe('cancelled');
    expect(run.resolve('approve', { action: 'retry' })).toEqual([]);
  });

  it('a paused execution keeps it escalated; a retry resolution while paused waits as ready until resume', () => {
    const run = escalated();
    run.pause();
    run.succeed('other');
    expect(run.state.status).toBe('paused');
    expect(run.status('approve')).toBe('escalated');
    expect(run.resolve('approve', { action: 'retry' })).toEqual([]);
    expect(run.state.nodes['approve']).toEqual({ stepId: 'approve', status: 'ready', attempt: 2 });
    expect(run.runs('run-step', run.resume())).toEqual(['approve@2']);
  });

  it('restore of a snapshot holding it keeps it escalated, under its attempt', () => {
    const run = escalated();
    const snapshot = run.state;
    run.resolve('approve', { action: 'retry' });
    const restored = run.restore(snapshot);
    expect(run.runs('cancel-step', restored)).toEqual(['approve@2', 'other@1']);
    expect(run.runs('run-step', restored)).toEqual(['other@2']);
    expect(run.state.nodes['approve']).toMatchObject({ status: 'escalated', attempt: 1 });
    // A late result of the attempt the restore cancelled does not apply; the resolution does.
    expect(run.result('approve', 2, 'succeeded')).toEqual([]);
    expect(run.runs('run-step', run.resolve('approve', { action: 'retry' }))).toEqual(['approve@3']);
  });

  it('a resume from failure leaves it escalated, and it can be resolved then', () => {
    const run = escalated();
    run.fail('other', 'other broke');
    expect(run.state.status).toBe('failed');
    expect(run.resolve('approve', { action: 'skip' })).toEqual([]);
    expect(run.ignored).toEqual(['execution is failed']);
    expect(run.runs('run-step', run.resume())).toEqual(['other@2']);
    expect(run.status('approve')).toBe('escalated');
    run.succeed('other');
    run.resolve('approve', { action: 'skip' });
    run.succeed('after');
    expect(run.state.status).toBe('completed');
  });

  it('resolution retry of a parallel runs it again from the start', () => {
    const run = new Run(compile(wf([withOnError(parallel('p', ['a', 'b']), { type: 'escalate' }), script('a'), script('b')])));
    run.start();
    run.succeed('a', 'A1');
    run.fail('b');
    expect(run.state.nodes['p']).toMatchObject({ status: 'escalated', attempt: 1, error: { message: 'branch "b" failed at step "b": boom' } });
    const again = run.resolve('p', { action: 'retry' });
    expect(run.runs('record-step', again)).toEqual(['p@2']);
    expect(run.runs('run-step', again)).toEqual(['a@2', 'b@2']);
    run.succeed('a', 'A2');
    run.succeed('b', 'B2');
    expect(run.state.nodes['p']).toMatchObject({ status: 'succeeded', attempt: 2, output: { a: 'A2', b: 'B2' } });
    expect(run.state.status).toBe('completed');
  });

  it('in a fail-fast parallel, a failing sibling branch cancels it', () => {
    const run = new Run(compile(wf([parallel('p', ['a', 'b']), withOnError(script('a'), { type: 'escalate' }), script('b')])));
    run.start();
    run.fail('a');
    expect(run.status('a')).toBe('escalated');
    run.fail('b');
    expect(run.status('a')).toBe('cancelled');
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'p' } });
  });
});

describe('recovery: record-error', () => {
  it('is emitted exactly once per final failure, with the strategy that acted', () => {
    const run = new Run(
      compile(
        wf([
          withOnError(script('s1', ['a1']), { type: 'skip' }),
          withOnError(script('a1', ['r1']), { type: 'alternative', alternativeStep: 'alt' }),
          script('alt'),
          withOnError(script('r1', ['e1']), { type: 'rollback', rollbackSteps: ['undo'] }),
          script('undo'),
          script('e1'),
          withOnError(script('solo'), { type: 'escalate' }),
        ]),
      ),
      {},
      { strategies: strategies({ e1: { type: 'retry' } }) },
    );
    run.start();
    run.fail('solo');
    run.fail('s1');
    run.fail('a1');
    run.fail('a1~alt/alt');
    expect(errorLog(run.commands)).toEqual(['solo:escalate', 's1:skip', 'a1:alternative', 'a1~alt/alt:none']);
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'a1' } });
    // Results of other runs after the execution failed: recorded, never recovered.
    expect(run.errors().filter((c) => c.key === 'solo')).toHaveLength(1);
    expect(run.errors().every((c) => c.error.code === 'SCRIPT_ERROR')).toBe(true);
  });

  it('reports a failure that arrives after the execution failed with strategy none: no strategy acted', () => {
    const run = new Run(compile(wf([script('a'), withOnError(script('b'), { type: 'escalate' })])));
    run.start();
    run.fail('a');
    expect(errorLog(run.fail('b'))).toEqual(['b:none']);
    expect(run.status('b')).toBe('failed');
    // A resume from failure runs it again; this time its strategy acts.
    run.resume();
    expect(errorLog(run.fail('b'))).toEqual(['b:escalate']);
  });

  it('containers report their own failures too', () => {
    const run = new Run(compile(wf([parallel('p', ['a']), script('a')])));
    run.start();
    expect(errorLog(run.fail('a'))).toEqual(['a:none', 'p:none']);
  });
});
