import { describe, expect, it } from 'vitest';
import { AgenticFlowClient, ExecutionEscalatedError, ExecutionFailedError, WaitTimeoutError, type Escalation } from '../src/index.js';
import { apiError, json, networkError } from './fake-fetch.js';

/** A coordinator in a function: the execution's overview changes as the test says; the event stream is absent (404), so waits poll. */
function coordinator(overviews: () => Record<string, unknown>, errors: () => unknown[] = () => []) {
  const seen: string[] = [];
  const fetch = (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    seen.push(`${url.pathname}${url.search}`);
    if (url.pathname === '/v1/events') return apiError(404, 'NOT_FOUND');
    if (url.pathname === '/v1/errors') return json(200, { items: errors(), nextCursor: null });
    if (url.pathname === '/v1/workflows/wf/executions') return json(201, { executionId: 'e1', status: 'running' });
    const overview = overviews();
    if (overview instanceof Error) throw overview;
    return json(200, url.search.includes('include=outputs') ? { results: {}, ...overview } : overview);
  }) as typeof globalThis.fetch;
  return { client: new AgenticFlowClient({ baseUrl: 'http://c.test', fetch, retry: { attempts: 1 } }), seen };
}

const run = (status: string, extra: Record<string, unknown> = {}) => ({ id: 'e1', status, steps: [], escalations: [], error: null, ...extra });
const failedStep = {
  id: 'r2',
  stepId: 'save',
  instanceKey: 'save',
  status: 'failed',
  error: { code: 'SCRIPT_ERROR', message: 'boom' },
  finishedAt: '2026-01-01T00:00:01.000Z',
};
const escalation = { stepId: 'approve', instanceKey: 'approve', attempt: 1, error: { code: 'HTTP_STATUS', message: 'status 503' } };
const openError = {
  id: 'err-1',
  executionId: 'e1',
  stepId: 'approve',
  instanceKey: 'approve',
  attempt: 1,
  code: 'HTTP_STATUS',
  message: 'status 503',
  escalationHandler: 'ops',
  status: 'open',
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('execution handles', () => {
  it('start → result() resolves with the results once completed', async () => {
    let polls = 0;
    const { client } = coordinator(() => (++polls < 3 ? run('running') : run('completed', { results: { fetch: [1, 2], save: { count: 2 } } })));
    const handle = await client.start<{ save: { count: number } }>('wf', { a: 1 });
    expect(handle.id).toBe('e1');
    const results = await handle.result({ pollIntervalMs: 1 });
    expect(results.save.count).toBe(2);
  });

  it('result() of a failed execution throws ExecutionFailedError with the failing step and its error', async () => {
    const { client } = coordinator(() =>
      run('failed', {
        error: { code: 'SCRIPT_ERROR', message: 'boom', stepId: 'save' },
        steps: [{ ...failedStep, id: 'r1', status: 'succeeded', stepId: 'fetch', error: null }, failedStep],
      }),
    );
    const error = await client
      .getHandle('e1')
      .result()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutionFailedError);
    expect(error).toMatchObject({
      code: 'EXECUTION_FAILED',
      status: 'failed',
      executionId: 'e1',
      failedStep: { stepId: 'save', error: { code: 'SCRIPT_ERROR' } },
      error: { stepId: 'save' },
    });
    expect((error as Error).message).toBe('execution e1 failed at step "save": SCRIPT_ERROR: boom');
  });

  it('result() of a cancelled execution throws ExecutionFailedError with code EXECUTION_CANCELLED', async () => {
    const { client } = coordinator(() => run('cancelled'));
    await expect(client.getHandle('e1').result()).rejects.toMatchObject({
      name: 'ExecutionFailedError',
      code: 'EXECUTION_CANCELLED',
      status: 'cancelled',
      failedStep: undefined,
    });
  });

  it('describe() tells an escalated execution from a running one', async () => {
    const { client } = coordinator(() => run('running', { escalations: [escalation] }));
    expect(await client.getHandle('e1').describe()).toMatchObject({ status: 'running', state: 'escalated' });
  });
});

describe('waiting and escalations', () => {
  it('without onEscalation, an escalation ends the wait at once with ExecutionEscalatedError carrying its error id', async () => {
    const { client } = coordinator(
      () => run('running', { escalations: [escalation] }),
      () => [openError],
    );
    const started = Date.now();
    const error = await client.waitForCompletion('e1', { timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(ExecutionEscalatedError);
    expect(error).toMatchObject({
      code: 'EXECUTION_ESCALATED',
      state: 'escalated',
      executionId: 'e1',
      escalations: [{ errorId: 'err-1', stepId: 'approve', escalationHandler: 'ops', error: { code: 'HTTP_STATUS' } }],
    });
  });

  it('with onEscalation, each escalation is reported once and the wait goes on until the execution ends', async () => {
    let resolved = false;
    let polls = 0;
    const { client } = coordinator(
      () => {
        polls++;
        return resolved && polls > 5 ? run('completed', { results: { approve: 'ok' } }) : run('running', { escalations: resolved ? [] : [escalation] });
      },
      () => (resolved ? [] : [openError]),
    );
    const reported: Escalation[] = [];
    const execution = await client.waitForCompletion('e1', {
      pollIntervalMs: 1,
      onEscalation: (e) => {
        reported.push(e);
        resolved = true;
      },
    });
    expect(execution.status).toBe('completed');
    expect(reported.map((e) => e.errorId)).toEqual(['err-1']);
  });

  it('an escalation nobody resolves times out as `escalated`', async () => {
    const { client } = coordinator(
      () => run('running', { escalations: [escalation] }),
      () => [openError],
    );
    const error = await client.waitForCompletion('e1', { timeoutMs: 300, pollIntervalMs: 5, onEscalation: () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toMatchObject({ code: 'WAIT_TIMEOUT', lastStatus: 'escalated', executionId: 'e1' });
  });

  it('a read that fails for a passing reason does not end the wait', async () => {
    let polls = 0;
    const { client } = coordinator(() => {
      polls++;
      if (polls === 2) return networkError('ECONNREFUSED') as unknown as Record<string, unknown>;
      return polls < 4 ? run('running') : run('completed');
    });
    expect((await client.waitForCompletion('e1', { pollIntervalMs: 1 })).status).toBe('completed');
    expect(polls).toBeGreaterThanOrEqual(4);
  });

  it('an aborted wait rejects with AbortedError', async () => {
    const { client } = coordinator(() => run('running'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(client.waitForCompletion('e1', { signal: controller.signal, pollIntervalMs: 5 })).rejects.toMatchObject({
      name: 'AbortedError',
      code: 'ABORTED',
    });
  });
});
