import { readFile } from 'node:fs/promises';
import { createRedisConnection, StepQueues, stepQueueName } from '@agentic-flow/queue';
import type { AppProcess } from '@agentic-flow/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * Cancelling stops work a worker is already running, within 1 s, and the job never runs again:
 * endless scripts free their slots, a hanging HTTP call closes its socket, nothing is retried or
 * dead-lettered, and a restarted worker finds nothing to re-run.
 */

const CANCEL_BUDGET_MS = 1_000;
/** Workers hand a stuck job back to the queue within ~3 s, so a job left running would visibly come back. */
const FAST_STALL = { LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '1000' };

/** CPU seconds (user + system) a process has used, from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Cores a process keeps busy over `ms`. */
async function cpuLoad(pid: number, ms: number): Promise<number> {
  const before = await cpuSeconds(pid);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ((await cpuSeconds(pid)) - before) / ((performance.now() - started) / 1000);
}

/** `/never?key=K` never answers; the socket's opening and closing times are kept per key. */
interface HangingCall {
  openedAt: number;
  closedAt?: number;
}

describe('cancelling stops running work within 1 s, and it never runs again', () => {
  let cluster: Cluster;
  let api: DataServer;
  let redis: Redis;
  let queues: StepQueues;
  const hanging = new Map<string, HangingCall[]>();
  const failedAt = new Map<string, number>();
  const cancelledRunIds: { stepType: string; id: string }[] = [];

  const jobState = (stepType: string, id: string) => queues.queue(stepQueueName(stepType)).getJobState(id);
  const runsOf = async (executionId: string) => (await cluster.client.getExecution(executionId)).steps;

  beforeAll(async () => {
    [cluster, api] = await Promise.all([
      startCluster([], { worker: FAST_STALL, coordinator: { MAINTENANCE_INTERVAL_MS: '300', RECONCILE_GRACE_MS: '1000' } }),
      startDataServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        const key = url.searchParams.get('key') ?? '';
        if (url.pathname === '/never') {
          const call: HangingCall = { openedAt: Date.now() };
          hanging.set(key, [...(hanging.get(key) ?? []), call]);
          req.socket.once('close', () => (call.closedAt = Date.now()));
          return true;
        }
        if (url.pathname === '/fail-later') {
          setTimeout(
            () => {
              failedAt.set(key, Date.now());
              res.writeHead(500, { 'content-type': 'text/plain' });
              res.end('no');
            },
            Number(url.searchParams.get('ms')),
          );
          return true;
        }
        return false;
      }),
    ]);
    redis = createRedisConnection(cluster.redisUrl, { role: 'producer' });
    queues = new StepQueues({ connection: redis, prefix: cluster.prefix });
    await cluster.client.createWorkflow({
      id: 'spin',
      name: 'spin',
      version: '1',
      steps: [{ id: 'spin', type: 'script', config: { script: 'while (true) {}', timeout: 300_000 } }],
    });
    await cluster.client.createWorkflow({
      id: 'quick',
      name: 'quick',
      version: '1',
      steps: [{ id: 'quick', type: 'script', config: { script: 'return 42;' } }],
    });
    await cluster.client.createWorkflow({
      id: 'hang',
      name: 'hang',
      version: '1',
      steps: [
        {
          id: 'call',
          type: 'http',
          config: { url: '{{ variables.api }}/never?key={{ execution.id }}', timeout: 600_000, retries: 3, retryDelay: 10 },
          onError: { type: 'retry', maxAttempts: 3, retryDelay: 10 },
        },
      ],
    });
    await cluster.client.createWorkflow({
      id: 'fail-fast',
      name: 'fail-fast',
      version: '1',
      steps: [
        { id: 'fan', type: 'parallel', config: { steps: ['hangs', 'fails'] } },
        { id: 'hangs', type: 'http', config: { url: '{{ variables.api }}/never?key={{ execution.id }}', timeout: 600_000 } },
        { id: 'fails', type: 'http', config: { url: '{{ variables.api }}/fail-later?ms=400&key={{ execution.id }}' } },
      ],
    });
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await Promise.all([cluster?.stop(), api?.close()]);
  });

  it('frees every script slot held by an endless script within 1 s, and a restarted worker runs none of them again', async () => {
    let worker: AppProcess = await cluster.addWorker(['script'], { WORKER_CONCURRENCY: '4', WORKER_ID: 'scripts-before' });
    const spinning = await Promise.all([1, 2, 3, 4].map(() => cluster.client.executeWorkflow('spin', {})));
    const runIds = await Promise.all(spinning.map(async (id) => (await runsOf(id))[0]!.id));
    await expect
      .poll(async () => (await Promise.all(runIds.map((id) => jobState('script', id)))).every((s) => s === 'active'), { timeout: 10_000, interval: 50 })
      .toBe(true);

    // Every slot is taken: an unrelated execution waits.
    const quick = await cluster.client.executeWorkflow('quick', {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await cluster.client.getExecution(quick)).status).toBe('running');

    const cancelledAt = Date.now();
    await Promise.all(spinning.map((id) => cluster.client.cancelExecution(id)));
    const done = await cluster.client.waitForCompletion(quick, { timeoutMs: 5_000, pollIntervalMs: 20 });
    expect(done.status).toBe('completed');
    expect(Date.parse(done.steps[0]!.startedAt!) - cancelledAt).toBeLessThan(CANCEL_BUDGET_MS);
    expect(await cpuLoad(worker.pid, 500)).toBeLessThan(0.3);

    // Completed quietly: not waiting, not active, not in the failed set (the dead letter queue).
    for (const id of runIds) expect(await jobState('script', id)).toBe('unknown');
    cancelledRunIds.push(...runIds.map((id) => ({ stepType: 'script', id })));

    expect(await worker.stop(10_000)).toBe(0);
    worker = await cluster.addWorker(['script'], { WORKER_CONCURRENCY: '4', WORKER_ID: 'scripts-after' });
    // Long enough for a job left active by the first worker to stall and come back (FAST_STALL).
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(await cpuLoad(worker.pid, 700)).toBeLessThan(0.3);
    for (const id of runIds) expect(await jobState('script', id)).toBe('unknown');
    for (const id of spinning) {
      const view = await cluster.client.getExecution(id);
      expect(view.status).toBe('cancelled');
      expect(view.steps).toEqual([expect.objectContaining({ id: view.steps[0]!.id, status: 'cancelled', output: null, workerId: null })]);
    }
  });

  it('closes a hanging HTTP call within 1 s of the cancel, and retries nothing', async () => {
    await cluster.addWorker(['http'], { WORKER_ID: 'http-cancel' });
    const id = await cluster.client.executeWorkflow('hang', { api: api.url });
    await expect.poll(() => hanging.get(id)?.length ?? 0, { timeout: 10_000, interval: 20 }).toBe(1);
    const runId = (await runsOf(id))[0]!.id;

    const cancelledAt = Date.now();
    await cluster.client.cancelExecution(id);
    await expect.poll(() => hanging.get(id)![0]!.closedAt, { timeout: 5_000, interval: 10 }).toBeDefined();
    expect(hanging.get(id)![0]!.closedAt! - cancelledAt).toBeLessThan(CANCEL_BUDGET_MS);

    // Neither the executor's retries nor BullMQ's attempts (the step's retry strategy) call again.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(hanging.get(id)).toHaveLength(1);
    expect(await jobState('http', runId)).toBe('unknown');
    expect((await runsOf(id)).map((r) => r.status)).toEqual(['cancelled']);
    cancelledRunIds.push({ stepType: 'http', id: runId });
  });

  it('closes the hanging call of a branch a fail-fast parallel cancelled, within 1 s of the failure', async () => {
    const id = await cluster.client.executeWorkflow('fail-fast', { api: api.url });
    await expect.poll(() => hanging.get(id)?.length ?? 0, { timeout: 10_000, interval: 20 }).toBe(1);
    await expect.poll(() => hanging.get(id)![0]!.closedAt, { timeout: 5_000, interval: 10 }).toBeDefined();
    expect(hanging.get(id)![0]!.closedAt! - failedAt.get(id)!).toBeLessThan(CANCEL_BUDGET_MS);

    const view = await cluster.client.waitForCompletion(id, { timeoutMs: 5_000 });
    expect(view.status).toBe('failed');
    const hangs = view.steps.find((s) => s.stepId === 'hangs')!;
    expect(hangs.status).toBe('cancelled');
    expect(await jobState('http', hangs.id)).toBe('unknown');
    cancelledRunIds.push({ stepType: 'http', id: hangs.id });
  });

  it('leaves no cancelled step in the dead letter queue', async () => {
    expect(cancelledRunIds.length).toBe(6);
    const page = await cluster.client.errorHandler.getDeadLetterQueue({ limit: 100 });
    const dead = new Set(page.items.map((item) => item.jobId));
    expect(cancelledRunIds.filter((run) => dead.has(run.id))).toEqual([]);
  });
});
