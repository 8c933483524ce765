import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BenchCluster, startExecutions } from '../bench-cluster.js';
import { percentile } from '../stats.js';
import { waiting } from '../workflows.js';

/** Holds every request until released: steps that keep their executions in flight. */
async function holdingServer(): Promise<{ url: string; release(): void; close(): Promise<void> }> {
  const held: ServerResponse[] = [];
  let released = false;
  const answer = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  };
  const server = createServer((_req, res) => (released ? answer(res) : held.push(res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hold`,
    release() {
      released = true;
      held.splice(0).forEach(answer);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * RSS once the burst of API calls that started the executions is over: V8 returns garbage-laden
 * heap pages only after a quiet moment, and what the target is about is what the coordinator
 * retains per execution in flight, not the garbage of starting them.
 */
async function sampleRss(pid: number, samples = 5, gapMs = 400, settleMs = 5_000): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    values.push(await BenchCluster.rssMb(pid));
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  return percentile(values, 50);
}

async function waitRunning(cluster: BenchCluster, count: number): Promise<void> {
  for (;;) {
    const { rows } = await cluster.sql.query<{ n: string }>(`select count(*) as n from workflow_executions where status = 'running'`);
    if (Number(rows[0]!.n) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Coordinator RSS with `small` and then `large` executions in flight, waiting on a slow server. */
export async function coordinatorRss(small: number, large: number): Promise<{ idleMb: number; smallMb: number; largeMb: number }> {
  const server = await holdingServer();
  const cluster = await BenchCluster.start({ workers: [['http']] });
  try {
    const coordinator = cluster.coordinators[0]!;
    await cluster.client(0).createWorkflow(waiting('waiting', server.url));
    const idleMb = await sampleRss(coordinator.pid, 3, 400, 1_000);
    await startExecutions(cluster, 'waiting', small);
    await waitRunning(cluster, small);
    const smallMb = await sampleRss(coordinator.pid);
    await startExecutions(cluster, 'waiting', large - small);
    await waitRunning(cluster, large);
    const largeMb = await sampleRss(coordinator.pid);
    return { idleMb, smallMb, largeMb };
  } finally {
    server.release();
    await cluster.stop();
    await server.close();
  }
}

/** Latency of list-executions filtered by status, with `stored` executions in the database. */
export async function listLatency(stored: number, requests: number): Promise<{ byStatusMs: number[]; byWorkflowAndStatusMs: number[]; nextPageMs: number[] }> {
  const cluster = await BenchCluster.start({ workers: [] });
  try {
    const client = cluster.client(0);
    await client.createWorkflow({ id: 'listed', name: 'listed', version: '1', steps: [{ id: 's', type: 'script', config: { script: 'return 1;' } }] });
    await client.createWorkflow({ id: 'other', name: 'other', version: '1', steps: [{ id: 's', type: 'script', config: { script: 'return 1;' } }] });
    // Four in five completed, one in ten failed, one in ten running; two workflows; one a second apart.
    await cluster.sql.query(
      `insert into workflow_executions (id, namespace, workflow_id, workflow_version, status, state, variables, created_at, updated_at)
       select gen_random_uuid(), 'default', case when i % 2 = 0 then 'listed' else 'other' end, '1',
              case when i % 10 = 0 then 'failed' when i % 10 = 5 then 'running' else 'completed' end,
              '{"v":1}'::jsonb, '{}'::jsonb,
              date_trunc('milliseconds', now()) - make_interval(secs => i), now()
         from generate_series(1, $1::int) as i`,
      [stored],
    );
    await cluster.sql.query('analyze workflow_executions');
    const time = async (call: () => Promise<unknown>): Promise<number[]> => {
      for (let i = 0; i < 5; i++) await call();
      const out: number[] = [];
      for (let i = 0; i < requests; i++) {
        const started = performance.now();
        await call();
        out.push(performance.now() - started);
      }
      return out;
    };
    const first = await client.listExecutions({ status: 'failed', limit: 50 });
    return {
      byStatusMs: await time(() => client.listExecutions({ status: 'failed', limit: 50 })),
      byWorkflowAndStatusMs: await time(() => client.listExecutions({ workflowId: 'listed', status: 'running', limit: 50 })),
      nextPageMs: await time(() => client.listExecutions({ status: 'failed', limit: 50, cursor: first.nextCursor! })),
    };
  } finally {
    await cluster.stop();
  }
}
