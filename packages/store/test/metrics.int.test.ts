import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '@agentic-flow/testing';
import {
  applyConditions,
  assignEventPositions,
  createDatabase,
  foldMetricDeltas,
  insertDefinition,
  listAlerts,
  migrateDatabase,
  readEvents,
  readMonitorSettings,
  runOptimisticTransition,
  runTransition,
  runWrites,
  stepMetrics,
  updateMonitorSettings,
  upsertAlertSink,
  workflowMetrics,
  type DatabaseHandle,
  type NewExecution,
} from '@agentic-flow/store';

let database: TestDatabase;
let handle: DatabaseHandle;

beforeAll(async () => {
  database = await testDatabase();
  await migrateDatabase(database.url);
  handle = createDatabase(database.url, { max: 4 });
  for (const id of ['wf', 'other']) {
    await insertDefinition(handle.db, {
      namespace: 'default',
      id,
      version: '1',
      name: id,
      description: null,
      definition: { id },
      contentHash: `h-${id}`,
      createdAt: new Date(1_000),
    });
  }
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

const T0 = Date.now() - 10 * 60_000;

async function newExecution(workflowId = 'wf'): Promise<{ id: string; runId: string }> {
  const e: NewExecution = {
    id: randomUUID(),
    namespace: 'default',
    workflowId,
    workflowVersion: '1',
    status: 'running',
    state: {},
    variables: {},
    error: null,
    createdAt: new Date(T0),
    startedAt: new Date(T0),
    finishedAt: null,
  };
  const runId = randomUUID();
  await runWrites(handle.pool, {
    newExecutions: [e],
    stepRuns: [{ id: runId, executionId: e.id, stepId: 'a', instanceKey: 'a', stepType: 'http', attempt: 1, status: 'queued', queuedAt: new Date(T0) }],
    executions: [],
    logs: [],
  });
  return { id: e.id, runId };
}

const settle = (id: string, status: 'completed' | 'failed' | 'cancelled', durationMs: number) => ({
  id,
  version: 0,
  status,
  state: {},
  error: null,
  startedAt: new Date(T0),
  finishedAt: new Date(T0 + durationMs),
  updatedAt: new Date(),
});

describe('metric rollups', () => {
  it('records what both write paths settle, folds it, and answers the same before and after folding', async () => {
    const window = { namespace: 'default', from: new Date(T0 - 60_000), to: new Date(Date.now() + 60_000) };
    // One-statement path: a run succeeds in 100 ms after 50 ms queued, its execution completes in 200 ms.
    const a = await newExecution();
    await runOptimisticTransition(handle.pool, {
      completions: [
        {
          id: a.runId,
          executionId: a.id,
          instanceKey: 'a',
          attempt: 1,
          status: 'succeeded',
          output: 1,
          startedAt: T0 + 50,
          finishedAt: T0 + 150,
          workerId: 'w',
        },
      ],
      executions: [settle(a.id, 'completed', 200)],
      stepRuns: [],
      logs: [],
    });
    // Two-round-trip path: a run fails in 1000 ms, its execution fails in 2000 ms.
    const b = await newExecution();
    await runTransition(
      handle.pool,
      {
        lock: [b.id],
        complete: [
          {
            id: b.runId,
            executionId: b.id,
            instanceKey: 'a',
            attempt: 1,
            status: 'failed',
            error: { code: 'HTTP_STATUS', message: '503' },
            startedAt: T0,
            finishedAt: T0 + 1000,
            workerId: 'w',
          },
        ],
      },
      async () => ({
        writes: { stepRuns: [], executions: [settle(b.id, 'failed', 2000)], logs: [] },
        value: undefined,
      }),
    );
    // Another workflow, still running; and one cancelled.
    await newExecution('other');
    const c = await newExecution('other');
    await runWrites(handle.pool, { stepRuns: [], executions: [settle(c.id, 'cancelled', 300)], logs: [] });

    const before = await workflowMetrics(handle.pool, window);
    expect(before).toMatchObject({ completedExecutions: 1, failedExecutions: 1, cancelledExecutions: 1, runningExecutions: 1, totalExecutions: 4 });
    expect(before.errorRate).toBeCloseTo(1 / 3);
    expect(before.averageExecutionTime).toBeCloseTo((200 + 2000 + 300) / 3, 0);
    expect(before.p95ExecutionTime).toBeGreaterThan(1700);
    expect(before.p95ExecutionTime).toBeLessThan(2400);
    const steps = await stepMetrics(handle.pool, window);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ stepType: 'http', count: 2, failed: 1, retries: 0, errorRate: 0.5 });
    expect(steps[0]!.queueWaitP95).toBeGreaterThan(40);
    expect(steps[0]!.queueWaitP95).toBeLessThan(60);

    expect(await foldMetricDeltas(handle.pool)).toBe(5);
    const after = await workflowMetrics(handle.pool, window);
    expect(after).toEqual(before);
    expect(await stepMetrics(handle.pool, window)).toEqual(steps);
    expect(await foldMetricDeltas(handle.pool)).toBe(0);

    const wf = await workflowMetrics(handle.pool, { ...window, workflowId: 'other' });
    expect(wf).toMatchObject({ completedExecutions: 0, cancelledExecutions: 1, runningExecutions: 1 });
    const byStep = await stepMetrics(handle.pool, { ...window, byStep: true, stepType: 'http' });
    expect(byStep).toEqual([expect.objectContaining({ stepType: 'http', workflowId: 'wf', stepId: 'a', count: 2 })]);
    const empty = await workflowMetrics(handle.pool, { namespace: 'default', from: new Date(T0 - 3_600_000), to: new Date(T0 - 1_800_000) });
    expect(empty).toMatchObject({ totalExecutions: 0, averageExecutionTime: null, p95ExecutionTime: null, errorRate: 0, throughput: 0 });
  });
});

describe('monitor settings and hysteresis', () => {
  it('merges thresholds, and raises one alert when a condition starts and one resolved when it ends', async () => {
    expect((await readMonitorSettings(handle.pool)).intervalMs).toBe(30_000);
    await updateMonitorSettings(handle.pool, { thresholds: { maxErrorRate: 0.2 } });
    const settings = await updateMonitorSettings(handle.pool, { thresholds: { maxQueueSize: 10 }, intervalMs: 1000 });
    expect(settings).toMatchObject({ thresholds: { maxErrorRate: 0.2, maxQueueSize: 10 }, intervalMs: 1000 });

    await upsertAlertSink(handle.pool, {
      namespace: 'default',
      name: 'ops',
      url: 'http://127.0.0.1:1/hook',
      events: ['alert:created', 'alert:resolved'],
      alertTypes: null,
      secretName: null,
      format: 'json',
    });
    const condition = { namespace: 'default', key: 'error-rate', type: 'threshold', severity: 'warning' as const, message: 'error rate 50% over 20%' };
    const all = () => true;
    expect((await applyConditions(handle.pool, [condition], all)).started).toHaveLength(1);
    for (let i = 0; i < 3; i++) expect(await applyConditions(handle.pool, [condition], all)).toEqual({ started: [], ended: [] });
    // Not evaluated this pass (e.g. Redis did not answer): not resolved.
    expect((await applyConditions(handle.pool, [], () => false)).ended).toHaveLength(0);
    expect((await applyConditions(handle.pool, [], all)).ended).toHaveLength(1);
    expect((await applyConditions(handle.pool, [], all)).ended).toHaveLength(0);
    const alerts = (await listAlerts(handle.db, 'default', 10)).filter((a) => a.condition === 'error-rate');
    expect(alerts.map((a) => a.state)).toEqual(['resolved', 'firing']);
    expect(alerts[0]!.message).toBe('resolved: error rate 50% over 20%');
    const { rows } = await handle.pool.query(`select event, status from alert_deliveries where sink_name = 'ops' order by created_at`);
    expect(rows).toEqual([
      { event: 'alert:created', status: 'pending' },
      { event: 'alert:resolved', status: 'pending' },
    ]);
    // The event stream carries the same two, each committed with its alert.
    await assignEventPositions(handle.pool);
    const streamed = (await readEvents(handle.pool, { namespace: 'default', after: '0', limit: 100 })).filter((e) => e.type.startsWith('alert:'));
    expect(streamed.map((e) => [e.type, e.data['alertId']])).toEqual([
      ['alert:created', alerts[1]!.id],
      ['alert:resolved', alerts[0]!.id],
    ]);
    expect(streamed[1]!.data).toMatchObject({
      alertType: 'threshold',
      severity: 'info',
      message: 'resolved: error rate 50% over 20%',
      details: { condition: 'error-rate', alertId: alerts[1]!.id },
    });
  });

  it('lists cluster alerts in every namespace', async () => {
    await applyConditions(
      handle.pool,
      [{ namespace: '*', key: 'dlq-growth', type: 'dead-letter', severity: 'warning', message: 'dead letter queue grew' }],
      () => true,
    );
    expect((await listAlerts(handle.db, 'default', 10)).some((a) => a.condition === 'dlq-growth' && a.namespace === '*')).toBe(true);
  });
});
