import { AgenticFlowClient } from '@agentic-flow/sdk';
import { startCoordinator, startWorker, testDatabase, testRedis, type AppProcess, type CoordinatorProcess } from '@agentic-flow/testing';

export interface Cluster {
  client: AgenticFlowClient;
  coordinator: CoordinatorProcess;
  /** Every coordinator started, the first being `coordinator`. */
  coordinators: CoordinatorProcess[];
  workers: AppProcess[];
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  /** Starts one more worker process, stopped with the cluster. */
  addWorker(stepTypes: string[], env?: Record<string, string>): Promise<AppProcess>;
  /** Stops every process, then drops the database and the Redis keys. */
  stop(): Promise<void>;
}

/**
 * A real cluster for one test file: its own database and BullMQ prefix, a coordinator process, and
 * one worker process per entry of `workers` (each a list of step types).
 */
export async function startCluster(
  workers: string[][],
  env: { coordinator?: Record<string, string>; worker?: Record<string, string> } = {},
  options: { coordinators?: number; redisUrl?: string } = {},
): Promise<Cluster> {
  const [database, redis] = await Promise.all([testDatabase(), testRedis()]);
  // A Redis of the test's own (`startRedisServer`), for tests that flush it; only the prefix is taken from the shared one.
  const services = { databaseUrl: database.url, redisUrl: options.redisUrl ?? redis.url, prefix: redis.prefix };
  const quiet = { SHUTDOWN_TIMEOUT_MS: '5000' };
  const processes: AppProcess[] = [];
  try {
    const coordinator = await startCoordinator(services, { env: { ...quiet, ...env.coordinator } });
    processes.push(coordinator);
    const coordinators = [coordinator];
    // More coordinators share the work: every one reads results in the same consumer group.
    for (let i = 1; i < (options.coordinators ?? 1); i++)
      coordinators.push(await startCoordinator(services, { name: `coordinator-${i}`, env: { ...quiet, ...env.coordinator } }));
    processes.push(...coordinators.slice(1));
    const started = await Promise.all(
      workers.map((types, i) =>
        startWorker(services, types, { name: `worker-${i}`, env: { ...quiet, WORKER_ID: `worker-${i}-${types.join('+')}`, ...env.worker } }),
      ),
    );
    processes.push(...started);
    return {
      client: new AgenticFlowClient({ baseUrl: coordinator.url, apiKey: coordinator.adminKey }),
      coordinator,
      coordinators,
      workers: started,
      ...services,
      async addWorker(stepTypes, extra = {}) {
        const worker = await startWorker(services, stepTypes, {
          name: `worker-${processes.length}`,
          env: { ...quiet, WORKER_ID: `worker-${processes.length - 1}-${stepTypes.join('+')}`, ...env.worker, ...extra },
        });
        processes.push(worker);
        return worker;
      },
      async stop() {
        await Promise.all(processes.map((p) => p.stop(5_000)));
        await Promise.all([database.drop(), redis.cleanup()]);
      },
    };
  } catch (error) {
    await Promise.all(processes.map((p) => p.stop(2_000)));
    await Promise.all([database.drop(), redis.cleanup()]);
    throw error;
  }
}
