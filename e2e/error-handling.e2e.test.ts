import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorView, WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { rejection } from './rejection.js';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

type Steps = WorkflowDefinitionInput['steps'];
type Step = Steps[number];

/**
 * `/rec?key=K&name=N` appends N to K's call log and answers 500 while `failing` holds `K/N` (or
 * while `failTimes` has calls left for it), 200 otherwise.
 */
const log = new Map<string, string[]>();
const failing = new Set<string>();
const failTimes = new Map<string, number>();

const wf = (id: string, steps: Steps): WorkflowDefinitionInput => ({ id, name: id, version: '1', steps });
const rec = (id: string, next: string[] = [], extra: Partial<Step> = {}): Step =>
  ({ id, type: 'http', config: { url: `{{ variables.api }}/rec?key={{ execution.id }}&name=${id}` }, next, ...extra }) as Step;
const boom = (id: string, next: string[] = [], extra: Partial<Step> = {}): Step =>
  ({ id, type: 'script', config: { script: `throw new Error('${id} broke')` }, next, ...extra }) as Step;
const ok = (id: string, script: string, next: string[] = []): Step => ({ id, type: 'script', config: { script }, next }) as Step;

describe('error handling on a real cluster: strategies, escalation, dead letter queue, statistics', () => {
  let cluster: Cluster;
  let api: DataServer;
  const handler = () => cluster.client.errorHandler;
  const start = async (definition: WorkflowDefinitionInput) => {
    await cluster.client.createWorkflow(definition);
    return cluster.client.executeWorkflow(definition.id, { api: api.url });
  };
  const finish = (executionId: string) => cluster.client.waitForCompletion(executionId, { timeoutMs: 20_000 });
  const errorsOf = async (executionId: string) => (await handler().listErrors({ executionId })).items;
  // A loop rather than expect.poll, which only works inside a test (this also runs in a beforeAll).
  const openError = async (executionId: string): Promise<ErrorView> => {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
      const [found] = (await handler().listErrors({ executionId, status: 'open' })).items;
      if (found) return found;
    }
    throw new Error(`execution ${executionId} has no open error after 10 s`);
  };
  const deadLetter = async (executionId: string, stepId: string) =>
    (await handler().getDeadLetterQueue({ limit: 500 })).items.find((d) => d.executionId === executionId && d.stepId === stepId);

  beforeAll(async () => {
    [cluster, api] = await Promise.all([
      // Breakers stay out of the way here: these tests fail the same host on purpose, many times.
      startCluster([['http'], ['script']], { worker: { CIRCUIT_FAILURE_THRESHOLD: '1000' } }),
      startDataServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname !== '/rec') return false;
        const key = url.searchParams.get('key') ?? '';
        const name = url.searchParams.get('name') ?? '';
        log.set(key, [...(log.get(key) ?? []), name]);
        const left = failTimes.get(`${key}/${name}`) ?? 0;
        if (left > 0) failTimes.set(`${key}/${name}`, left - 1);
        const fail = failing.has(`${key}/${name}`) || failing.has(`*/${name}`) || left > 0;
        res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ name, fail }));
        return true;
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close()]);
  });

  describe('retry', () => {
    it('retries with BullMQ attempts and backoff; a success within maxAttempts leaves no error and no dead letter', async () => {
      const definition = wf('retry-ok', [rec('flaky', [], { onError: { type: 'retry', maxAttempts: 3, retryDelay: 50, jitter: false } })]);
      await cluster.client.createWorkflow(definition);
      const id = await cluster.client.executeWorkflow(definition.id, { api: api.url });
      failTimes.set(`${id}/flaky`, 2);
      const execution = await finish(id);
      expect(execution.status).toBe('completed');
      expect(log.get(id)).toEqual(['flaky', 'flaky', 'flaky']);
      expect(execution.steps).toHaveLength(1);
      expect(execution.steps[0]).toMatchObject({ status: 'succeeded', attempt: 1 });
      expect(await errorsOf(id)).toEqual([]);
      expect(await deadLetter(id, 'flaky')).toBeUndefined();
    });

    it('a step whose last attempt failed lands in the dead letter queue once, with every attempt counted', async () => {
      failing.add('*/doomed');
      const id = await start(wf('retry-exhausted', [rec('doomed', [], { onError: { type: 'retry', maxAttempts: 3, retryDelay: 20 } })]));
      const execution = await finish(id);
      expect(execution.status).toBe('failed');
      expect(execution.error).toMatchObject({ code: 'HTTP_STATUS', stepId: 'doomed' });
      expect(log.get(id)).toEqual(['doomed', 'doomed', 'doomed']);
      expect(await errorsOf(id)).toMatchObject([{ stepId: 'doomed', code: 'HTTP_STATUS', strategy: 'retry', status: 'closed' }]);
      const letter = await deadLetter(id, 'doomed');
      expect(letter).toMatchObject({ stepType: 'http', attemptsMade: 3, instanceKey: 'doomed', attempt: 1 });
      const entry = await handler().getDeadLetterEntry('http', letter!.jobId);
      expect(entry).toMatchObject({
        executionStatus: 'failed',
        workflowId: 'retry-exhausted',
        payload: { config: { url: `${api.url}/rec?key=${id}&name=doomed` } },
      });
      expect(entry.failedReason).toContain('500');
    });

    it('retrying the dead letter of a failed execution resumes it: the step runs again and the execution completes', async () => {
      const [execution] = (await cluster.client.listExecutions({ workflowId: 'retry-exhausted' })).items;
      const letter = (await deadLetter(execution!.id, 'doomed'))!;
      failing.delete('*/doomed');
      expect(await handler().retryDeadLetter('http', letter.jobId)).toMatchObject({
        outcome: 'resumed',
        executionId: execution!.id,
        executionStatus: 'running',
      });
      expect((await finish(execution!.id)).status).toBe('completed');
      expect(await deadLetter(execution!.id, 'doomed')).toBeUndefined();
      expect(await rejection(handler().retryDeadLetter('http', letter.jobId))).toMatchObject({ status: 404, code: 'DEAD_LETTER_NOT_FOUND' });
    });
  });

  it('skip (registered for a step of the workflow): the workflow continues without the step', async () => {
    const definition = wf('skipping', [boom('optional-step', ['after']), ok('after', 'return { sawOptional: "optional-step" in results }')]);
    await cluster.client.createWorkflow(definition);
    await handler().registerRecoveryStrategy({ workflowId: 'skipping', stepId: 'optional-step' }, { type: 'skip' });
    expect((await handler().listRecoveryStrategies()).items).toContainEqual(
      expect.objectContaining({ workflowId: 'skipping', target: 'optional-step', strategy: { type: 'skip' } }),
    );
    const id = await cluster.client.executeWorkflow(definition.id, { api: api.url });
    const execution = await finish(id);
    expect(execution.status).toBe('completed');
    expect(execution.results).toEqual({ after: { sawOptional: false } });
    expect(execution.steps.find((s) => s.stepId === 'optional-step')).toMatchObject({
      status: 'skipped',
      error: { code: 'SCRIPT_ERROR', message: expect.stringContaining('optional-step broke') },
    });
    const [error] = await errorsOf(id);
    expect(error).toMatchObject({ strategy: 'skip', status: 'closed', code: 'SCRIPT_ERROR', stepType: 'script' });
    // Its dead letter cannot change anything any more: retry is refused, discard works.
    const letter = (await deadLetter(id, 'optional-step'))!;
    expect(await rejection(handler().retryDeadLetter('script', letter.jobId))).toMatchObject({
      status: 409,
      code: 'INVALID_STATE',
      message: expect.stringContaining('already handled'),
    });
    expect(await rejection(handler().resolveError(error!.id, { action: 'retry' }))).toMatchObject({
      status: 409,
      message: expect.stringContaining('"skip" strategy'),
    });
    await handler().discardDeadLetter('script', letter.jobId);
    expect(await deadLetter(id, 'optional-step')).toBeUndefined();
    expect(await rejection(handler().getDeadLetterEntry('script', letter.jobId))).toMatchObject({ status: 404, code: 'DEAD_LETTER_NOT_FOUND' });
    await handler().removeRecoveryStrategy({ workflowId: 'skipping', stepId: 'optional-step' });
    expect(await rejection(handler().removeRecoveryStrategy({ workflowId: 'skipping', stepId: 'optional-step' }))).toMatchObject({
      status: 404,
      code: 'STRATEGY_NOT_FOUND',
      message: 'no recovery strategy is registered for step "optional-step" of workflow "skipping"',
    });
  });

  it('alternative: alternativeStep runs in its place and its output stands in', async () => {
    const id = await start(
      wf('alternative', [
        boom('primary-processor', ['use'], { onError: { type: 'alternative', alternativeStep: 'backup-processor' } }),
        ok('backup-processor', 'return { by: "backup" }'),
        ok('use', 'return results["primary-processor"]'),
      ]),
    );
    const execution = await finish(id);
    expect(execution.status).toBe('completed');
    expect(execution.results['use']).toEqual({ by: 'backup' });
    expect(execution.results['primary-processor']).toEqual({ by: 'backup' });
    expect((await errorsOf(id)).map((e) => [e.stepId, e.strategy])).toEqual([['primary-processor', 'alternative']]);
  });

  it('rollback: compensations run in reverse order exactly once, then the execution ends rolled back', async () => {
    const id = await start(
      wf('rollback', [
        rec('step1', ['step2']),
        rec('step2', ['critical-step']),
        boom('critical-step', [], { onError: { type: 'rollback', rollbackSteps: ['undo1', 'undo2', 'undo3'] } }),
        rec('undo1'),
        rec('undo2'),
        rec('undo3'),
      ]),
    );
    const execution = await finish(id);
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatchObject({ code: 'ROLLED_BACK', stepId: 'critical-step', message: expect.stringContaining('"undo3", "undo2", "undo1"') });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(log.get(id)).toEqual(['step1', 'step2', 'undo3', 'undo2', 'undo1']);
    expect(execution.steps.filter((s) => s.stepId.startsWith('undo')).map((s) => [s.stepId, s.status])).toEqual([
      ['undo3', 'succeeded'],
      ['undo2', 'succeeded'],
      ['undo1', 'succeeded'],
    ]);
  });

  describe('escalate', () => {
    let executionId: string;
    let error: ErrorView;

    beforeAll(async () => {
      failing.add('*/manual-approval');
      executionId = await start(
        wf('escalating', [
          rec('manual-approval', ['after'], { onError: { type: 'escalate', escalationHandler: 'admin-notification' } }),
          ok('after', 'return { approval: results["manual-approval"] }'),
        ]),
      );
      error = await openError(executionId);
    });

    it('waits for a decision with an open error and an alert for its handler', async () => {
      expect(error).toMatchObject({
        stepId: 'manual-approval',
        code: 'HTTP_STATUS',
        strategy: 'escalate',
        escalationHandler: 'admin-notification',
        status: 'open',
        resolution: null,
      });
      expect(await cluster.client.getExecution(executionId)).toMatchObject({
        status: 'running',
        escalations: [{ stepId: 'manual-approval', instanceKey: 'manual-approval', attempt: 1, error: { code: 'HTTP_STATUS' } }],
      });
      const alerts = await cluster.client.monitor.getAlerts(10);
      expect(alerts.find((a) => a.errorId === error.id)).toMatchObject({
        type: 'escalation',
        severity: 'warning',
        executionId,
        data: { escalationHandler: 'admin-notification', stepId: 'manual-approval' },
        message: expect.stringContaining('waits for a decision'),
      });
    });

    it('refuses malformed resolutions, changing nothing', async () => {
      expect(await rejection(handler().resolveError(error.id, { action: 'output' } as never))).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        problems: [{ path: '$.body.output', message: 'is required for action "output"' }],
      });
      expect(await rejection(handler().resolveError(error.id, { action: 'approve' } as never))).toMatchObject({
        status: 400,
        problems: [{ path: '$.body.action', message: 'must be one of retry, skip, output, fail' }],
      });
      expect(await rejection(handler().resolveError(error.id, { action: 'output', output: { note: 'a\u0000b' } }))).toMatchObject({
        status: 400,
        problems: [{ path: '$.body.output.note', message: expect.stringContaining('NUL') }],
      });
      expect(await rejection(handler().resolveError('00000000-0000-4000-8000-000000000000', { action: 'skip' }))).toMatchObject({
        status: 404,
        code: 'ERROR_NOT_FOUND',
      });
      expect(await rejection(handler().resolveError('nope', { action: 'skip' }))).toMatchObject({ status: 400, problems: [{ path: '$.params.errorId' }] });
      expect(await handler().getError(error.id)).toMatchObject({ status: 'open', resolution: null });
      expect((await cluster.client.getExecution(executionId)).status).toBe('running');
    });

    it('resolveError with an output continues the execution with it; a second resolution is a 409', async () => {
      expect(await handler().resolveError(error.id, { action: 'output', output: { approved: true } })).toEqual({
        errorId: error.id,
        executionId,
        status: 'running',
      });
      const execution = await finish(executionId);
      expect(execution).toMatchObject({ status: 'completed', escalations: [] });
      expect(execution.results['after']).toEqual({ approval: { approved: true } });
      expect(await handler().getError(error.id)).toMatchObject({
        status: 'closed',
        resolution: { action: 'output', output: { approved: true } },
        resolvedAt: expect.any(String),
      });
      expect(await rejection(handler().resolveError(error.id, { action: 'skip' }))).toMatchObject({
        status: 409,
        code: 'INVALID_STATE',
        message: expect.stringContaining('already resolved'),
      });
    });

    it('resolveError with fail ends the execution failed with the step error', async () => {
      const id = await start(wf('escalating-fail', [rec('manual-approval', [], { onError: { type: 'escalate' } })]));
      const open = await openError(id);
      await handler().resolveError(open.id, { action: 'fail' });
      expect(await finish(id)).toMatchObject({ status: 'failed', error: { code: 'HTTP_STATUS', stepId: 'manual-approval' } });
    });

    it('cancelling an escalated execution closes its error', async () => {
      const id = await start(wf('escalating-cancel', [rec('manual-approval', [], { onError: { type: 'escalate' } })]));
      const open = await openError(id);
      expect(await cluster.client.cancelExecution(id)).toEqual({ executionId: id, status: 'cancelled' });
      expect(await handler().getError(open.id)).toMatchObject({ status: 'closed', resolution: { action: 'cancel' } });
      expect(await rejection(handler().resolveError(open.id, { action: 'retry' }))).toMatchObject({
        status: 409,
        message: expect.stringContaining('already resolved'),
      });
    });

    it('a dead letter retry completes an escalated execution: the step runs again and succeeds', async () => {
      failing.add('*/fetch');
      const id = await start(wf('escalating-dlq', [rec('fetch', ['after'], { onError: { type: 'escalate' } }), ok('after', 'return steps.fetch.status')]));
      const open = await openError(id);
      const letter = (await deadLetter(id, 'fetch'))!;
      expect(await handler().getDeadLetterEntry('http', letter.jobId)).toMatchObject({ executionStatus: 'running', attemptsMade: 1, stepId: 'fetch' });
      failing.delete('*/fetch');
      expect(await handler().retryDeadLetter('http', letter.jobId)).toEqual({
        jobId: letter.jobId,
        executionId: id,
        outcome: 'resolved',
        executionStatus: 'running',
      });
      const execution = await finish(id);
      expect(execution.status).toBe('completed');
      expect(execution.results['after']).toBe(200);
      expect(execution.steps.filter((s) => s.stepId === 'fetch').map((s) => [s.attempt, s.status])).toEqual([
        [1, 'failed'],
        [2, 'succeeded'],
      ]);
      expect(await handler().getError(open.id)).toMatchObject({ status: 'closed', resolution: { action: 'retry' } });
      expect(await deadLetter(id, 'fetch')).toBeUndefined();
    });
  });

  describe('strategies registered per step type', () => {
    it('apply to every step of the type without onError, until removed', async () => {
      await cluster.client.createWorkflow(wf('typed', [boom('fragile', ['next']), ok('next', 'return 1')]));
      await handler().registerRecoveryStrategy('script', { type: 'skip' });
      expect((await finish(await cluster.client.executeWorkflow('typed'))).status).toBe('completed');
      await handler().removeRecoveryStrategy('script');
      expect((await finish(await cluster.client.executeWorkflow('typed'))).status).toBe('failed');
    });

    it('refuses a strategy naming a missing step, an unknown type or target, changing nothing', async () => {
      const before = (await handler().listRecoveryStrategies()).items;
      const primary = { workflowId: 'alternative', stepId: 'primary-processor' };
      expect(await rejection(handler().registerRecoveryStrategy(primary, { type: 'alternative', alternativeStep: 'no-such-step' }))).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        problems: [{ path: '$.body.alternativeStep', message: 'workflow "alternative" version "1" has a step "primary-processor" but no step "no-such-step"' }],
      });
      expect(await rejection(handler().registerRecoveryStrategy(primary, { type: 'alternative', alternativeStep: 'primary-processor' }))).toMatchObject({
        status: 400,
        problems: [{ path: '$.body.alternativeStep', message: expect.stringContaining('cannot recover itself') }],
      });
      expect(await rejection(handler().registerRecoveryStrategy('http', { type: 'teleport' } as never))).toMatchObject({
        status: 400,
        problems: [{ path: '$.body.type', message: 'unknown strategy type (expected one of retry, skip, alternative, rollback, escalate)' }],
      });
      // A typo of a type, or a step id without its workflow: either way the answer says what to pass.
      expect(await rejection(handler().registerRecoveryStrategy('htpp' as never, { type: 'skip' }))).toMatchObject({
        status: 400,
        problems: [
          { path: '$.query.workflowId', message: expect.stringMatching(/^is required: "htpp" is not a step type \(agent-task, .*\).*\?workflowId=<id>/) },
        ],
      });
      expect(
        await rejection(handler().registerRecoveryStrategy({ workflowId: 'no-such-workflow', stepId: 'primary-processor' }, { type: 'skip' })),
      ).toMatchObject({
        status: 400,
        problems: [{ path: '$.query.workflowId', message: 'workflow "no-such-workflow" does not exist in namespace "default"' }],
      });
      expect(await rejection(handler().registerRecoveryStrategy({ workflowId: 'alternative', stepId: 'no-such-step' }, { type: 'skip' }))).toMatchObject({
        status: 400,
        problems: [{ path: '$.params.target', message: 'workflow "alternative" has no step "no-such-step" in any of its versions' }],
      });
      expect(await rejection(handler().registerRecoveryStrategy('http', { type: 'rollback', rollbackSteps: ['undo1'] }))).toMatchObject({
        status: 400,
        problems: [{ path: '$.params.target', message: expect.stringContaining('register it for a step of one workflow ({ workflowId, stepId })') }],
      });
      expect(await rejection(handler().registerRecoveryStrategy('http', { type: 'retry', maxAttempts: 0 }))).toMatchObject({
        status: 400,
        problems: [{ path: '$.body.maxAttempts' }],
      });
      expect((await handler().listRecoveryStrategies()).items).toEqual(before);
    });
  });

  it('getErrorStatistics counts final failures by step type, code and strategy over a window', async () => {
    const stats = await handler().getErrorStatistics();
    expect(stats.byStrategy).toMatchObject({ retry: 1, skip: 2, alternative: 1, rollback: 1, escalate: 4 });
    expect(stats.byStepType['script']).toBeGreaterThanOrEqual(4);
    expect(stats.byCode).toMatchObject({ SCRIPT_ERROR: expect.any(Number), HTTP_STATUS: expect.any(Number) });
    expect(stats.total).toBe(Object.values(stats.byStrategy).reduce((a, b) => a + b, 0));
    const future = await handler().getErrorStatistics({ from: new Date(Date.now() + 60_000), to: new Date(Date.now() + 120_000) });
    expect(future).toMatchObject({ total: 0, byStepType: {}, byCode: {}, byStrategy: {} });
    expect(await rejection(handler().getErrorStatistics({ from: new Date(), to: new Date(Date.now() - 1000) }))).toMatchObject({
      status: 400,
      problems: [{ path: '$.query.from', message: 'from must be before to' }],
    });
    expect(await rejection(handler().getErrorStatistics({ from: 'yesterday' }))).toMatchObject({ status: 400, problems: [{ path: '$.query.from' }] });
  });

  // After the statistics: these failures would change its counts.
  describe('strategies registered for a step of one workflow', () => {
    it('apply to that workflow’s step only: a step of the same id in another workflow fails as without one', async () => {
      await cluster.client.createWorkflow(wf('scoped-a', [boom('x', ['next']), ok('next', 'return "a"')]));
      await cluster.client.createWorkflow(wf('scoped-b', [boom('x', ['next']), ok('next', 'return "b"')]));
      await handler().registerRecoveryStrategy({ workflowId: 'scoped-a', stepId: 'x' }, { type: 'skip' });
      const [a, b] = await Promise.all([finish(await cluster.client.executeWorkflow('scoped-a')), finish(await cluster.client.executeWorkflow('scoped-b'))]);
      expect(a).toMatchObject({ status: 'completed', results: { next: 'a' } });
      expect(b).toMatchObject({ status: 'failed', error: { stepId: 'x', code: 'SCRIPT_ERROR' } });
      expect(await errorsOf(a.id)).toMatchObject([{ stepId: 'x', strategy: 'skip' }]);
      expect(await errorsOf(b.id)).toMatchObject([{ stepId: 'x', strategy: 'none' }]);
      // Nor does a workflow registered later that happens to have a step x.
      await cluster.client.createWorkflow(wf('scoped-c', [boom('x')]));
      expect((await finish(await cluster.client.executeWorkflow('scoped-c'))).status).toBe('failed');
      // A new version of the same workflow is the same workflow: the strategy holds.
      await cluster.client.createWorkflow({ ...wf('scoped-a', [boom('x', ['next']), ok('next', 'return "a2"')]), version: '2' });
      expect(await finish(await cluster.client.executeWorkflow('scoped-a'))).toMatchObject({ status: 'completed', results: { next: 'a2' } });
      await handler().removeRecoveryStrategy({ workflowId: 'scoped-a', stepId: 'x' });
      expect((await finish(await cluster.client.executeWorkflow('scoped-a'))).status).toBe('failed');
    });
  });
});
