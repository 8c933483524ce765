import { execSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionView } from '@agentic-flow/sdk';
import { startCluster, type Cluster } from '../e2e/cluster.js';
import { startCounterServer, type CounterServer } from './counter-server.js';
import { SHAPES, WIDE, type Shape } from './shapes.js';

/**
 * Durability under faults (docs/architecture.md, invariants 1, 3, 5): 200+ executions of three
 * shapes, and one execution of a 5,000-branch parallel, run while workers are SIGKILLed mid-step, one of two coordinators is SIGKILLed, Redis is
 * flushed and PostgreSQL restarts. Every execution must complete with the right outputs, and every
 * step's side effect must have happened at least once and at most ALLOWED_ATTEMPTS times.
 */
const EXECUTIONS = 210;
const ALLOWED_ATTEMPTS = 3;
const PG_RESTART = process.env['PG_RESTART_COMMAND'] ?? 'pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main restart';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries a call through outages (PostgreSQL restarting answers 503; a killed coordinator refuses). */
async function retrying<T>(call: () => Promise<T>, deadline = Date.now() + 60_000): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

describe('faults: killed workers, a killed coordinator, a flushed Redis, a restarted PostgreSQL', () => {
  let cluster: Cluster;
  let counter: CounterServer;
  const faults: string[] = [];

  beforeAll(async () => {
    counter = await startCounterServer();
    const fast = { MAINTENANCE_INTERVAL_MS: '500', RECONCILE_GRACE_MS: '4000', RESULT_CLAIM_IDLE_MS: '2000' };
    const workerEnv = { LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '1000', SHUTDOWN_TIMEOUT_MS: '1000' };
    cluster = await startCluster([['http'], ['http'], ['script'], ['script']], { coordinator: fast, worker: workerEnv }, { coordinators: 2 });
    for (const shape of [...SHAPES, WIDE]) await cluster.client.createWorkflow(shape.definition);
  });
  afterAll(async () => {
    await cluster?.stop();
    await counter?.close();
  });

  it('completes every execution correctly, with every side effect at least once and at most the allowed attempts', async () => {
    const started = Date.now();
    const submitted: { id: string; shape: Shape }[] = [];
    const submit = (async () => {
      // First, so its thousands of steps are in flight through every fault.
      submitted.push({ id: await retrying(() => cluster.client.executeWorkflow(WIDE.definition.id)), shape: WIDE });
      for (let i = 0; i < EXECUTIONS; i++) {
        const shape = SHAPES[i % SHAPES.length]!;
        const id = await retrying(() => cluster.client.executeWorkflow(shape.definition.id, { api: counter.url }));
        submitted.push({ id, shape });
        // Spread over the whole fault window, so every fault hits executions in flight.
        if (i % 10 === 9) await sleep(400);
      }
    })();

    const inFlight = async () => submitted.length - (await retrying(() => cluster.client.listExecutions({ status: 'completed', limit: 500 }))).items.length;
    const note = async (fault: string) => faults.push(`${fault} (${await inFlight().catch(() => '?')} executions in flight)`);
    const chaos = (async () => {
      const killWorker = async (index: number, types: string[]) => {
        const worker = cluster.workers[index]!;
        worker.kill();
        await note(`SIGKILL ${worker.name}`);
        cluster.workers[index] = await cluster.addWorker(types);
      };
      await sleep(1500);
      await killWorker(0, ['http']);
      await sleep(1500);
      cluster.coordinators[1]!.kill();
      await note('SIGKILL coordinator-1');
      await sleep(1500);
      await killWorker(2, ['script']);
      await sleep(1000);
      await killWorker(1, ['http']);
      await sleep(1000);
      const redis = new Redis(cluster.redisUrl);
      await redis.flushall();
      redis.disconnect();
      await note('FLUSHALL');
      await sleep(1500);
      await note('PostgreSQL restart');
      execSync(PG_RESTART, { stdio: 'ignore', shell: '/bin/sh' });
    })();

    await Promise.all([submit, chaos]);
    const executions: ExecutionView[] = [];
    for (const { id } of submitted) {
      executions.push(await retrying(() => cluster.client.waitForCompletion(id, { timeoutMs: 120_000, pollIntervalMs: 100 }), Date.now() + 150_000));
    }

    const byStatus = new Map<string, number>();
    for (const e of executions) byStatus.set(e.status, (byStatus.get(e.status) ?? 0) + 1);
    const expectedKeys = submitted.flatMap(({ id, shape }) => shape.keys(id));
    const counts = expectedKeys.map((key) => counter.calls.get(key) ?? 0);
    const repeated = counts.filter((n) => n > 1).length;
    const summary = {
      executions: executions.length,
      byStatus: Object.fromEntries(byStatus),
      sideEffectKeys: expectedKeys.length,
      calls: counts.reduce((a, b) => a + b, 0),
      keysRunMoreThanOnce: repeated,
      maxCallsForOneKey: Math.max(...counts),
      faults,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    console.log(`fault run: ${JSON.stringify(summary)}`);

    expect(executions.length).toBeGreaterThanOrEqual(200);
    expect(Object.fromEntries(byStatus)).toEqual({ completed: executions.length });
    for (const e of executions) submitted.find((s) => s.id === e.id)!.shape.check(e);
    expect(counts.filter((n) => n < 1)).toEqual([]);
    expect(counts.filter((n) => n > ALLOWED_ATTEMPTS)).toEqual([]);
    expect(faults).toHaveLength(6);
    // Nothing is left stuck: no execution pending or running in the database.
    const stuck = await retrying(() => cluster.client.listExecutions({ status: ['pending', 'running', 'paused'] }));
    expect(stuck.items).toEqual([]);
  });
});
