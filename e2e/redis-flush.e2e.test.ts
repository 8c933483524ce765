import type { ServerResponse } from 'node:http';
import { startRedisServer, type RedisServer } from '@agentic-flow/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * Redis flushed while steps run: when each step ends, BullMQ cannot finish its job (`Missing key for
 * job … moveToFinished`) — it tries to complete it, then to fail it, and emits an error for each.
 * The worker says so once per job, as a warning naming the job, and the executions still complete.
 * The cluster runs on a Redis of its own: FLUSHALL on the shared one would wipe other tests' queues.
 */
const RUNS = 3;

describe('a Redis flushed under running steps', () => {
  let redis: RedisServer;
  let cluster: Cluster;
  let target: DataServer;
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    target = await startDataServer((req, res) => {
      if (!req.url?.startsWith('/held')) return false;
      held.push(res);
      return true;
    });
    cluster = await startCluster([['http']], {}, { redisUrl: redis.url });
    await cluster.client.createWorkflow({
      id: 'held',
      name: 'held',
      version: '1',
      steps: [{ id: 'call', type: 'http', config: { url: '{{ variables.api }}/held?k={{ variables.k }}', timeout: 30_000 } }],
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    await target?.close();
    await redis?.stop();
  });

  it('logs each job that vanished once, as a warning with its id, and completes the executions', async () => {
    const ids = await Promise.all(Array.from({ length: RUNS }, (_, k) => cluster.client.executeWorkflow('held', { api: target.url, k })));
    while (held.length < RUNS) await new Promise((resolve) => setTimeout(resolve, 20));
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    for (const res of held) res.writeHead(200, { 'content-type': 'application/json' }).end('{"done":true}');

    const executions = await Promise.all(ids.map((id) => cluster.client.waitForCompletion(id, { timeoutMs: 30_000 })));
    expect(executions.map((e) => e.status)).toEqual(Array(RUNS).fill('completed'));
    const jobIds = executions.map((e) => e.steps[0]!.id).sort();
    const worker = cluster.workers[0]!;
    const vanished = () => worker.lines.filter((line) => line.includes('Missing key for job')).map((line) => JSON.parse(line) as Record<string, unknown>);
    // BullMQ's second error for a job follows its first within milliseconds; give it time to show.
    while (vanished().length < RUNS) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const lines = vanished();
    expect(lines.map((line) => line['jobId']).sort()).toEqual(jobIds);
    expect(lines.map((line) => line['level'])).toEqual(Array(RUNS).fill('warn'));
    expect(lines.map((line) => line['stepType'])).toEqual(Array(RUNS).fill('http'));
  });
});
