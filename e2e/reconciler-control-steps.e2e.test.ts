import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * Control steps (loop, parallel, condition) have no job: the engine drives them. A reconciler that
 * took a loop or parallel running past its grace period for a lost job enqueued it on `step-loop` /
 * `step-parallel`, queues no worker reads, where the jobs stayed for ever. Here a loop and a
 * parallel run well past a 200 ms grace while the reconciler looks every 100 ms; afterwards no
 * BullMQ queue under the cluster's prefix holds a job, and none is named after a control step.
 */
const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'paused', 'waiting-children'] as const;
/** Keys every BullMQ queue has some of: `<prefix>:<queue>:<suffix>`. */
const QUEUE_KEY_SUFFIXES = new Set([
  'meta',
  'id',
  'events',
  'wait',
  'active',
  'delayed',
  'failed',
  'completed',
  'prioritized',
  'paused',
  'marker',
  'stalled-check',
  'waiting-children',
]);

const hold = (id: string, ms: number) => ({ id, type: 'http' as const, config: { url: `{{ variables.api }}/hold?ms=${ms}&step=${id}` } });
const wf = (id: string, steps: WorkflowDefinitionInput['steps']): WorkflowDefinitionInput => ({ id, name: id, version: '1', steps });

describe('long control steps leave no job on any queue', () => {
  let cluster: Cluster;
  let api: DataServer;

  beforeAll(async () => {
    [cluster, api] = await Promise.all([
      startCluster([['http'], ['script']], { coordinator: { RECONCILE_GRACE_MS: '200', MAINTENANCE_INTERVAL_MS: '100' } }),
      startDataServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname !== '/hold') return false;
        setTimeout(
          () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ step: url.searchParams.get('step') })),
          Number(url.searchParams.get('ms')),
        );
        return true;
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), api?.close()]);
  });

  it('runs a 1.2 s loop behind a condition and a 1 s parallel to completion, then finds every queue empty', async () => {
    const loop = wf('long-loop', [
      { id: 'check', type: 'condition', config: { condition: 'variables.go === true', trueStep: 'rounds' } },
      { id: 'rounds', type: 'loop', config: { loopStep: 'tick', maxIterations: 4, onMaxIterations: 'complete' } },
      hold('tick', 300),
    ]);
    const parallel = wf('long-parallel', [
      { id: 'fan', type: 'parallel', config: { steps: ['slow-1', 'slow-2', 'sum'] } },
      hold('slow-1', 1000),
      hold('slow-2', 1000),
      { id: 'sum', type: 'script', config: { script: 'return 1 + 1;' } },
    ]);
    for (const definition of [loop, parallel]) await cluster.client.createWorkflow(definition);
    const ids = await Promise.all([
      cluster.client.executeWorkflow('long-loop', { api: api.url, go: true }),
      cluster.client.executeWorkflow('long-parallel', { api: api.url }),
    ]);
    const executions = await Promise.all(ids.map((id) => cluster.client.waitForCompletion(id, { timeoutMs: 30_000 })));
    expect(executions.map((e) => e.status)).toEqual(['completed', 'completed']);
    expect(executions[0]!.steps.filter((s) => s.stepId === 'tick')).toHaveLength(4);
    // A few more reconciler passes over the settled executions.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const queues = await queueNames(cluster);
    // The work steps' queues are found (so the scan sees queues at all), and no control step has one.
    expect(queues).toEqual(expect.arrayContaining(['step-http', 'step-script']));
    expect(queues.filter((name) => ['step-loop', 'step-parallel', 'step-condition'].includes(name))).toEqual([]);
    const counts: Record<string, Record<string, number>> = {};
    for (const name of queues) {
      const queue = new Queue(name, { connection: { url: cluster.redisUrl }, prefix: cluster.prefix });
      try {
        counts[name] = await queue.getJobCounts(...JOB_STATES);
      } finally {
        await queue.close();
      }
    }
    const empty = Object.fromEntries(JOB_STATES.map((state) => [state, 0]));
    expect(counts).toEqual(Object.fromEntries(queues.map((name) => [name, empty])));
  });
});

/** Every BullMQ queue with a key under the cluster's prefix, found by SCAN. */
async function queueNames(cluster: Cluster): Promise<string[]> {
  const redis = new Redis(cluster.redisUrl);
  const names = new Set<string>();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${cluster.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const [, name, suffix] = key.split(':');
        if (name !== undefined && suffix !== undefined && QUEUE_KEY_SUFFIXES.has(suffix)) names.add(name);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return [...names].sort();
}
