import { AgenticFlowClient } from '@agentic-flow/sdk';
import { startCoordinator, startWorker, testDatabase, testRedis, type AppProcess, type CoordinatorProcess } from '@agentic-flow/testing';
import pg from 'pg';

export interface BenchClusterOptions {
  coordinators?: number;
  /** One worker process per entry, each consuming these step types. */
  workers: string[][];
  workerEnv?: Record<string, string>;
  coordinatorEnv?: Record<string, string>;
  /** Write a CPU profile of the first coordinator into this directory. */
  profileDir?: string;
  /** More node arguments for every coordinator (e.g. `--import` of a measuring probe). */
  coordinatorNodeArgs?: string[];
  /** Write a CPU profile of the first worker into this directory. */
  workerProfileDir?: string;
}

/** A fresh database and BullMQ prefix, coordinator and worker processes, and a direct SQL client. */
export class BenchCluster {
  private constructor(
    readonly coordinators: CoordinatorProcess[],
    readonly workers: AppProcess[],
    readonly clients: AgenticFlowClient[],
    readonly sql: pg.Pool,
    private readonly cleanup: () => Promise<void>,
  ) {}

  static async start(options: BenchClusterOptions): Promise<BenchCluster> {
    const [database, redis] = await Promise.all([testDatabase(), testRedis()]);
    const services = { databaseUrl: database.url, redisUrl: redis.url, prefix: redis.prefix };
    const quiet = { LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '5000' };
    const coordinators: CoordinatorProcess[] = [];
    // Coordinators start one after the other: the first migrates the fresh database.
    for (let i = 0; i < (options.coordinators ?? 1); i++) {
      coordinators.push(
        await startCoordinator(services, {
          name: `coordinator-${i}`,
          env: { ...quiet, ...options.coordinatorEnv },
          nodeArgs: [...(options.coordinatorNodeArgs ?? []), ...(i === 0 && options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [])],
        }),
      );
    }
    const workers = await Promise.all(
      options.workers.map((types, i) =>
        startWorker(services, types, {
          name: `worker-${i}`,
          // The workloads' HTTP servers listen on 127.0.0.1, which the egress policy denies by default.
          env: { ...quiet, WORKER_ID: `bench-${i}`, EGRESS_ALLOW: '127.0.0.1', ...options.workerEnv },
          ...(i === 0 && options.workerProfileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${options.workerProfileDir}`] } : {}),
        }),
      ),
    );
    const sql = new pg.Pool({ connectionString: database.url, max: 2 });
    const all: AppProcess[] = [...coordinators, ...workers];
    return new BenchCluster(
      coordinators,
      workers,
      coordinators.map((c) => new AgenticFlowClient({ baseUrl: c.url, apiKey: c.adminKey })),
      sql,
      async () => {
        await Promise.all(all.map((p) => p.stop(10_000)));
        await sql.end();
        await Promise.all([database.drop(), redis.cleanup()]);
      },
    );
  }

  /** Round-robins API calls across coordinators. */
  client(i: number): AgenticFlowClient {
    return this.clients[i % this.clients.length]!;
  }

  /** Waits until `count` executions of `workflowId` have settled; throws if any failed. */
  async waitSettled(workflowId: string, count: number, timeoutMs = 300_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.sql.query<{ settled: string; failed: string }>(
        `select count(*) filter (where status in ('completed','failed','cancelled')) as settled,
                count(*) filter (where status in ('failed','cancelled')) as failed
           from workflow_executions where workflow_id = $1`,
        [workflowId],
      );
      const { settled, failed } = rows[0]!;
      if (Number(failed) > 0) throw new Error(`${failed} executions of ${workflowId} failed`);
      if (Number(settled) >= count) return;
      if (Date.now() > deadline) throw new Error(`only ${settled}/${count} executions of ${workflowId} settled in ${timeoutMs} ms`);
      // Polled, so the harness itself costs little CPU; 25 ms is ~1% of the shortest timed run.
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Resident set size of a process, in MiB, from /proc. */
  static rssMb(pid: number): Promise<number> {
    return import('node:fs/promises').then(async ({ readFile }) => {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
      return kb / 1024;
    });
  }

  stop(): Promise<void> {
    return this.cleanup();
  }
}

/** Starts `count` executions, at most `parallel` API calls at a time; returns when all are started. */
export async function startExecutions(
  cluster: BenchCluster,
  workflowId: string,
  count: number,
  parallel = 64,
  variables: Record<string, unknown> = {},
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) {
        const i = next++;
        await cluster.client(i).executeWorkflow(workflowId, variables);
      }
    }),
  );
}
