import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { StepQueues, createRedisConnection, stepQueueName, type StepJob } from '@agentic-flow/queue';
import { testRedis, type TestRedis } from '@agentic-flow/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A job that kills the worker process running it, on real BullMQ and Redis: each host is a worker
 * process (the built StepConsumers, `fixtures/host-killing-worker.mjs`) that dies by SIGKILL as soon
 * as it takes the job. BullMQ's stalled check hands the job to the next host until it has killed
 * `workerDeathLimit` of them; the next host then fails it for good without running it.
 */

const FIXTURE = new URL('./fixtures/host-killing-worker.mjs', import.meta.url).pathname;
const THRESHOLD = 3;

let redis: TestRedis;
let connection: Redis;
let queues: StepQueues;
const hosts: ChildProcess[] = [];

beforeAll(async () => {
  redis = await testRedis();
  connection = createRedisConnection(redis.url, { role: 'producer' });
  queues = new StepQueues({ connection, prefix: redis.prefix });
});
afterAll(async () => {
  for (const host of hosts) host.kill('SIGKILL');
  await queues?.close();
  connection?.disconnect();
  await redis?.cleanup();
});

/** Starts a host and resolves once it takes jobs. */
async function startHost(): Promise<{ host: ChildProcess; exited: Promise<void> }> {
  // Plain Node: not vitest's flags, whose source condition would load TypeScript.
  const host = fork(FIXTURE, [], {
    execArgv: [],
    env: { ...process.env, REDIS_URL: redis.url, PREFIX: redis.prefix, WORKER_DEATH_LIMIT: String(THRESHOLD) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  hosts.push(host);
  const exited = new Promise<void>((resolve) => host.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    host.once('message', () => resolve());
    void exited.then(() => reject(new Error('the host exited before it was ready')));
  });
  return { host, exited };
}

describe('a job that kills its worker', () => {
  it(`fails for good after it killed ${THRESHOLD} workers, with BullMQ's "job stalled more than allowable limit"`, async () => {
    const job: StepJob = {
      v: 1,
      stepRunId: randomUUID(),
      executionId: randomUUID(),
      workflowId: 'wf',
      workflowVersion: '1',
      stepId: 'killer',
      stepType: 'script',
      instanceKey: 'killer',
      attempt: 1,
      config: {},
      enqueuedAt: Date.now(),
    };
    await queues.enqueueSteps([job]);
    const queue = queues.queue(stepQueueName('script'));

    let deaths = 0;
    for (let i = 0; i < THRESHOLD + 2; i++) {
      const { exited } = await startHost();
      const outcome = await Promise.race([
        exited.then(() => 'died' as const),
        (async () => {
          while ((await queue.getJobState(job.stepRunId)) !== 'failed') await new Promise((resolve) => setTimeout(resolve, 100));
          return 'failed' as const;
        })(),
      ]);
      if (outcome === 'failed') break;
      deaths += 1;
    }

    expect(deaths).toBe(THRESHOLD);
    expect(await connection.lrange(`${redis.prefix}:test:killed-by`, 0, -1)).toEqual(Array.from({ length: THRESHOLD }, () => job.stepRunId));
    const failed = await queue.getJob(job.stepRunId);
    expect(failed?.failedReason).toBe('job stalled more than allowable limit');
    // The host that failed it is alive: it never ran the job.
    expect(hosts.at(-1)!.exitCode).toBeNull();
    expect(hosts.at(-1)!.signalCode).toBeNull();
  }, 60_000);
});
