import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, type WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/** `/hold?ms=N` answers after N ms and tracks how many requests are in flight at once. */
const inFlight = { now: 0, peak: 0 };

const wf = (id: string, steps: WorkflowDefinitionInput['steps'], variables: Record<string, unknown> = {}): WorkflowDefinitionInput => ({
  id,
  name: id,
  version: '1',
  steps,
  variables,
});
const hold = (id: string, ms: number, next: string[] = []) => ({
  id,
  type: 'http' as const,
  config: { url: `{{ variables.api }}/hold?ms=${ms}&step=${id}` },
  next,
});
const script = (id: string, body: string, next: string[] = []) => ({ id, type: 'script' as const, config: { script: body }, next });

describe('control flow on a real cluster', () => {
  let cluster: Cluster;
  let api: DataServer;
  const run = async (definition: WorkflowDefinitionInput) => {
    await cluster.client.createWorkflow(definition);
    const executionId = await cluster.client.executeWorkflow(definition.id, { api: api.url });
    return cluster.client.waitForCompletion(executionId, { timeoutMs: 60_000 });
  };

  beforeAll(async () => {
    [cluster, api] = await Promise.all([
      startCluster([['http'], ['script']]),
      startDataServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname !== '/hold') return false;
        inFlight.now += 1;
        inFlight.peak = Math.max(inFlight.peak, inFlight.now);
        setTimeout(
          () => {
            inFlight.now -= 1;
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ step: url.searchParams.get('step') }));
          },
          Number(url.searchParams.get('ms')),
        );
        return true;
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close()]);
  });

  it('never runs more branches at once than maxConcurrency', async () => {
    inFlight.peak = 0;
    const branches = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'];
    const execution = await run(
      wf('bounded', [{ id: 'fan', type: 'parallel', config: { steps: branches, maxConcurrency: 2 } }, ...branches.map((b) => hold(b, 200))]),
    );
    expect(execution.status).toBe('completed');
    expect(inFlight.peak).toBe(2);
    expect(Object.keys(execution.results['fan'] as object)).toEqual(branches);
  });

  it('fails fast: a failing branch cancels the running one, whose late result is ignored', async () => {
    const started = Date.now();
    const execution = await run(
      wf('fail-fast', [{ id: 'fan', type: 'parallel', config: { steps: ['slow', 'boom'] } }, hold('slow', 1500), script('boom', 'throw new Error("boom")')]),
    );
    expect(Date.now() - started).toBeLessThan(1500);
    expect(execution).toMatchObject({
      status: 'failed',
      error: { stepId: 'fan', code: 'SCRIPT_ERROR', message: expect.stringContaining('branch "boom" failed') },
    });
    expect(execution.steps.find((s) => s.stepId === 'slow')?.status).toBe('cancelled');
    // The slow step was already running on a worker: it is aborted (and a result that won that race changes nothing).
    await new Promise((resolve) => setTimeout(resolve, 1800));
    const later = await cluster.client.getExecution(execution.id);
    expect(later.steps.find((s) => s.stepId === 'slow')).toMatchObject({ status: 'cancelled', output: null });
    expect(later.status).toBe('failed');
  });

  it('with failFast false, runs every branch and reports every failure', async () => {
    const execution = await run(
      wf('fail-slow', [
        { id: 'fan', type: 'parallel', config: { steps: ['fine', 'bad-script', 'bad-http'], failFast: false } },
        hold('fine', 300),
        script('bad-script', 'throw new Error("nope")'),
        { id: 'bad-http', type: 'http', config: { url: '{{ variables.api }}/missing' } },
      ]),
    );
    expect(execution.error).toMatchObject({
      code: 'BRANCH_FAILED',
      stepId: 'fan',
      message: expect.stringMatching(/^2 of 3 branches failed: bad-script: SCRIPT_ERROR .*nope.*; bad-http: HTTP_STATUS /),
    });
    expect(execution.steps.find((s) => s.stepId === 'fine')?.status).toBe('succeeded');
  });

  it('merges variables from parallel branches in branch order, not finishing order', async () => {
    const execution = await run(
      wf(
        'var-merge',
        [
          { id: 'fan', type: 'parallel', config: { steps: ['a', 'b'] }, next: ['read'] },
          hold('a', 300, ['a-set']),
          script('a-set', 'setVariable("winner", "a"); setVariable("onlyA", true); return variables.winner;'),
          script('b', 'setVariable("winner", "b"); return variables.winner;'),
          script('read', 'return variables;'),
        ],
        { winner: 'none' },
      ),
    );
    expect(execution.status).toBe('completed');
    const a = execution.steps.find((s) => s.stepId === 'a-set')!;
    const b = execution.steps.find((s) => s.stepId === 'b')!;
    expect(Date.parse(b.finishedAt!)).toBeLessThan(Date.parse(a.finishedAt!));
    // Each branch saw only its own update before the join.
    expect([a.output, b.output]).toEqual(['none', 'none']);
    expect(execution.results['read']).toMatchObject({ winner: 'b', onlyA: true });
  });

  it('runs nested control flow: a parallel in a loop, and a condition, a loop and a parallel in branches', async () => {
    const execution = await run(
      wf('nested', [
        { id: 'rounds', type: 'loop', config: { loopStep: 'fan', maxIterations: 2, onMaxIterations: 'complete' } },
        { id: 'fan', type: 'parallel', config: { steps: ['check', 'repeat', 'inner'] } },
        { id: 'check', type: 'condition', config: { condition: 'loop.iteration === 0', trueStep: 'first', falseStep: 'later' } },
        script('first', 'return "first round";'),
        script('later', 'return "round " + loop.iteration;'),
        { id: 'repeat', type: 'loop', config: { loopStep: 'tick', condition: 'loop.iteration < 2' } },
        hold('tick', 10),
        { id: 'inner', type: 'parallel', config: { steps: ['x', 'y'] } },
        script('x', 'return "x" + loop.iteration;'),
        script('y', 'return "y" + loop.iteration;'),
      ]),
    );
    expect([execution.status, execution.error]).toEqual(['completed', null]);
    const [round0, round1] = execution.results['rounds'] as Record<string, unknown>[];
    expect(round0).toMatchObject({ check: { first: 'first round', later: null }, inner: { x: 'x0', y: 'y0' } });
    expect(round1).toMatchObject({ check: { first: null, later: 'round 1' }, inner: { x: 'x1', y: 'y1' } });
    expect((round0!['repeat'] as unknown[]).length).toBe(2);
    expect(execution.steps.filter((s) => s.stepId === 'tick')).toHaveLength(4);
  });

  it('rejects an expression with a syntax error at validation, with its path, writing nothing', async () => {
    const error = await cluster.client
      .createWorkflow(
        wf('bad-expr', [
          { id: 'c', type: 'condition', config: { condition: 'results.a >', trueStep: 't' } },
          script('t', 'return 1'),
          { id: 'l', type: 'loop', config: { loopStep: 'u', breakCondition: 'if (x) {}' } },
          script('u', 'return 1'),
        ]),
      )
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).problems).toEqual([
      { path: '$.steps[0].config.condition', message: expect.stringMatching(/^invalid expression: /) },
      { path: '$.steps[2].config.breakCondition', message: expect.stringMatching(/^invalid expression: /) },
    ]);
    await expect(cluster.client.getWorkflow('bad-expr')).rejects.toMatchObject({ status: 404 });
  });

  it('logs one warning when a decision compares undefined read from a path, by either evaluator, and fails a throwing one quoting it', async () => {
    // Interpreted in the coordinator (a comparison), and in a sandbox process (a call makes it leave the safe subset).
    const decisions = wf(
      'undefined-reads',
      [
        hold('fetch', 0, ['check']),
        { id: 'check', type: 'condition', config: { condition: 'results.fetch.quality > 0.8', trueStep: 'good', falseStep: 'rounds' } },
        script('good', 'return "good"'),
        {
          id: 'rounds',
          type: 'loop',
          config: {
            condition: 'Math.max(variables.i, 0) < results.fetch.total',
            loopStep: 'tick',
            maxIterations: 3,
            onMaxIterations: 'complete',
            breakCondition: 'results.tick.error',
          },
        },
        script('tick', 'setVariable("i", variables.i + 1); return { n: variables.i };'),
      ],
      { i: 0 },
    );
    const execution = await run(decisions);
    expect(execution.status).toBe('completed');
    expect(execution.steps.find((s) => s.stepId === 'good')?.status).toBe('skipped');
    const warnings = (await cluster.client.getExecutionLogs(execution.id)).items.filter((l) => l.level === 'warn').map((l) => [l.stepId, l.message]);
    expect(warnings).toEqual([
      [
        'check',
        'step "check": condition `results.fetch.quality > 0.8` read undefined and went on with it: results.fetch.quality is undefined: results.fetch has no "quality" (its keys: step)',
      ],
      [
        'rounds',
        'step "rounds": condition `Math.max(variables.i, 0) < results.fetch.total` read undefined and went on with it: results.fetch.total is undefined: results.fetch has no "total" (its keys: step)',
      ],
    ]);

    const throwing = await run(
      wf('throwing-condition', [
        hold('fetch', 0, ['check']),
        { id: 'check', type: 'condition', config: { condition: 'results.fetch.data.quality > 0.8', trueStep: 't', falseStep: 'f' } },
        script('t', 'return 1'),
        script('f', 'return 2'),
      ]),
    );
    expect(throwing).toMatchObject({
      status: 'failed',
      error: { code: 'EXPRESSION_ERROR', stepId: 'check', message: expect.stringContaining('condition `results.fetch.data.quality > 0.8`: TypeError') },
    });
    expect(throwing.steps.filter((s) => s.stepId === 't' || s.stepId === 'f')).toEqual([]);
  });

  it('times out an expression that never ends and stays healthy', async () => {
    const execution = await run(
      wf('endless', [{ id: 'c', type: 'condition', config: { condition: '(() => { while (true) {} })()', trueStep: 't' } }, script('t', 'return 1')]),
    );
    expect(execution).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT', stepId: 'c', message: expect.stringContaining('expression ran past') } });
    expect((await fetch(`${cluster.coordinator.url}/healthz`)).status).toBe(200);
    expect((await run(wf('after-endless', [script('s', 'return "still fine"')]))).results).toEqual({ s: 'still fine' });
  });
});
