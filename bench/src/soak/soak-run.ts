import { loadavg } from 'node:os';
import { AgenticFlowClient, AgenticFlowError, HttpError, type ExecutionView } from '@agentic-flow/sdk';
import { WORK_STEP_TYPES } from '@agentic-flow/spec';
import { appEntryPoint, freePort, startCoordinator, startWorker, TEST_ADMIN_KEY } from '@agentic-flow/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startCounterTarget, type TargetCall } from './counter-target.js';
import { planFaults, type FaultEvent, type FaultKind } from './fault-plan.js';
import { machineInfo, type MachineInfo } from '../machine.js';
import { LogTally } from './log-tally.js';
import { startSoakServices } from './private-services.js';
import { seededRandom } from './seeded-random.js';
import { socketOwner } from './socket-owner.js';
import type { SoakOptions } from './soak-options.js';
import { SOAK_SHAPES, type SoakShape } from './soak-shapes.js';
import { Supervisor, type ProcessSlot, type Restart } from './supervisor.js';

const PREFIX = 'soak';
const WORK_QUEUES = ['step-http', 'step-script'];
/** Recovery settings of a cluster that should heal within seconds, as the fault suite runs it. */
const COORDINATOR_ENV = { MAINTENANCE_INTERVAL_MS: '500', RECONCILE_GRACE_MS: '4000', RESULT_CLAIM_IDLE_MS: '2000', SHUTDOWN_TIMEOUT_MS: '5000' };
/** A machine busy with the soak itself starts processes slowly; one killed as not ready is started again. */
const READY_TIMEOUT_MS = 120_000;
const WORKER_ENV = { SHUTDOWN_TIMEOUT_MS: '1000', EGRESS_ALLOW: '127.0.0.1' };

export interface SubmittedExecution {
  id: string;
  shape: SoakShape;
}

/** Everything a soak saw, for the report to judge. */
export interface SoakResult {
  options: SoakOptions;
  machine: MachineInfo;
  startedAt: number;
  finishedAt: number;
  submitted: SubmittedExecution[];
  /** Each submitted execution as the API returned it at the end (undefined: it could not be read). */
  views: Map<string, ExecutionView | undefined>;
  /** Executions in the database that no submit returned (a submit retried after its answer was lost). */
  unsubmitted: number;
  calls: Map<string, TargetCall[]>;
  faults: FaultEvent[];
  /** Planned faults that could not happen (e.g. the load for the flush never came). */
  skippedFaults: string[];
  restarts: Restart[];
  clientErrors: Map<string, number>;
  logs: LogTally;
  /** Step jobs left on the work queues, and keys of queues nobody reads, after every execution settled. */
  leftoverJobs: Record<string, number>;
  strayQueueKeys: string[];
  /** The highest 1-minute load average seen during the run: the machine's other work shows here. */
  maxLoadAverage: number;
  /** Step instances with more than one run (the engine re-attempted; the soak has no retry strategy). */
  reattemptedInstances: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errorKind(error: unknown): string {
  if (error instanceof HttpError) return `${error.status} ${error.code}`;
  if (error instanceof AgenticFlowError) return error.code;
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'client timeout';
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? `${error.message} (${code})` : error.message.slice(0, 80);
  }
  return String(error);
}

/** What must go when the soak is interrupted (Ctrl-C): its processes and its private servers. */
const cleanups: (() => Promise<void>)[] = [];

/** Stops everything the soak started, for a signal handler; the run's promise never settles. */
export async function abortSoak(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
}

export async function runSoak(options: SoakOptions, log: (message: string) => void): Promise<SoakResult> {
  const random = seededRandom(options.seed);
  const services = await startSoakServices(options);
  cleanups.push(() => services.stop());
  const workerEntry = appEntryPoint('worker');
  const target = await startCounterTarget(seededRandom(options.seed + 1), (clientPort, serverPort) => socketOwner(clientPort, serverPort, workerEntry));
  const logs = new LogTally();
  const serviceUrls = { databaseUrl: services.databaseUrl, redisUrl: services.redisUrl, prefix: PREFIX };
  const ports = [await freePort(), await freePort()];
  const slots: ProcessSlot[] = [
    ...ports.map((port, i): ProcessSlot => {
      const name = `coordinator-${i}`;
      return {
        name,
        kind: 'coordinator',
        start: () =>
          startCoordinator(serviceUrls, {
            name,
            env: { ...COORDINATOR_ENV, PORT: String(port) },
            readyTimeoutMs: READY_TIMEOUT_MS,
            onLine: (line) => logs.add('coordinator', line),
          }),
      };
    }),
    ...[0, 1, 2].map((i): ProcessSlot => {
      const name = `worker-${i}`;
      return {
        name,
        kind: 'worker',
        start: () =>
          startWorker(serviceUrls, ['http', 'script'], {
            name,
            env: {
              ...WORKER_ENV,
              LOCK_DURATION_MS: String(options.workerLockMs),
              STALLED_INTERVAL_MS: String(Math.max(1_000, options.workerLockMs / 2)),
              WORKER_ID: name,
            },
            readyTimeoutMs: READY_TIMEOUT_MS,
            onLine: (line) => logs.add('worker', line),
          }),
      };
    }),
  ];
  const supervisor = new Supervisor(slots);
  cleanups.push(() => supervisor.stop());
  const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: null });
  const sql = new pg.Pool({ connectionString: services.databaseUrl, max: 2 });
  sql.on('error', () => undefined);
  const clientErrors = new Map<string, number>();
  const clients = ports.map((port) => new AgenticFlowClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: TEST_ADMIN_KEY, timeoutMs: 15_000 }));
  /** Calls the API through whichever coordinator answers, counting every failed try by kind. */
  const call = async <T>(what: (client: AgenticFlowClient) => Promise<T>, deadline = Date.now() + 120_000): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await what(clients[attempt % clients.length]!);
      } catch (error) {
        const kind = errorKind(error);
        clientErrors.set(kind, (clientErrors.get(kind) ?? 0) + 1);
        if (Date.now() > deadline || (error instanceof HttpError && error.status < 500 && error.status !== 429)) throw error;
        await sleep(Math.min(100 * 2 ** attempt, 1_000));
      }
    }
  };

  try {
    log(`services: ${services.databaseUrl}, ${services.redisUrl}; target ${target.url}`);
    const machine = await machineInfo(services.databaseUrl, services.redisUrl);
    await supervisor.start();
    log('2 coordinators and 3 workers ready');
    for (const shape of SOAK_SHAPES) await call((c) => c.createWorkflow(shape.definition));

    const startedAt = Date.now();
    const submitted: SubmittedExecution[] = [];
    const settled = new Map<string, { status: string; finishedAt: number }>();
    let submitting = true;
    let maxLoadAverage = loadavg()[0]!;
    const watch = (async () => {
      while (submitting || settled.size < submitted.length) {
        try {
          const { rows } = await sql.query<{ id: string; status: string; finished: number }>(
            `select id::text, status, extract(epoch from finished_at) * 1000 as finished from workflow_executions where status in ('completed', 'failed', 'cancelled')`,
          );
          for (const row of rows) if (!settled.has(row.id)) settled.set(row.id, { status: row.status, finishedAt: Number(row.finished) });
        } catch {
          // PostgreSQL restarting: look again.
        }
        maxLoadAverage = Math.max(maxLoadAverage, loadavg()[0]!);
        if (Date.now() - startedAt > options.timeoutSeconds * 1000) break;
        await sleep(250);
      }
    })();
    const inFlight = () => submitted.filter((s) => !settled.has(s.id)).length;

    const submit = (async () => {
      for (let i = 0; i < options.executions; i++) {
        while (inFlight() >= options.inFlight) await sleep(20);
        const shape = SOAK_SHAPES[i % SOAK_SHAPES.length]!;
        const id = await call((c) => c.executeWorkflow(shape.definition.id, { target: target.url }), Date.now() + 300_000);
        submitted.push({ id, shape });
        if (i % 100 === 99) log(`${i + 1} submitted, ${settled.size} settled`);
      }
      submitting = false;
    })();

    const faults: FaultEvent[] = [];
    const skippedFaults: string[] = [];
    const inject = async (kind: FaultKind): Promise<void> => {
      const at = Date.now();
      const event = (extra: Partial<FaultEvent> = {}): FaultEvent => ({ kind, at, endedAt: Date.now(), inFlight: inFlight(), ...extra });
      if (kind === 'worker SIGKILL' || kind === 'coordinator SIGKILL') {
        const role = kind === 'worker SIGKILL' ? 'worker' : 'coordinator';
        // A coordinator is killed only while both run: the soak tests a crash, not a cluster without any coordinator.
        for (;;) {
          const running = supervisor.running(role);
          if (running.length > 0 && (role === 'worker' || running.length === slots.filter((s) => s.kind === 'coordinator').length)) {
            const victim = running[Math.floor(random() * running.length)]!;
            const pid = supervisor.kill(victim);
            if (pid !== undefined) {
              faults.push(event({ at: Date.now(), endedAt: Date.now(), target: victim, pid }));
              return;
            }
          }
          await sleep(100);
        }
      }
      if (kind === 'FLUSHALL') {
        // Armed until enough jobs are queued or running; the counts and the flush are one transaction.
        const deadline = Date.now() + 120_000;
        while (Date.now() < deadline) {
          const multi = redis.multi();
          for (const queue of WORK_QUEUES) multi.llen(`${PREFIX}:${queue}:wait`).zcard(`${PREFIX}:${queue}:prioritized`).llen(`${PREFIX}:${queue}:active`);
          const counts = (await multi.exec())!.map(([, n]) => Number(n));
          let waiting = 0;
          let active = 0;
          WORK_QUEUES.forEach((_, q) => {
            waiting += counts[q * 3]! + counts[q * 3 + 1]!;
            active += counts[q * 3 + 2]!;
          });
          if (waiting + active >= options.flushAtJobs) {
            const before = inFlight();
            await redis.flushall();
            faults.push({ kind, at: Date.now(), endedAt: Date.now(), inFlight: before, jobs: { waiting, active } });
            return;
          }
          await sleep(10);
        }
        skippedFaults.push(`FLUSHALL: never ${options.flushAtJobs} step jobs waiting or active within 120 s`);
        return;
      }
      await services.restartPostgres();
      faults.push(event());
    };
    const chaos = (async () => {
      for (const planned of planFaults(
        { workerKills: options.workerKills, coordinatorKills: options.coordinatorKills, flush: options.flushAtJobs > 0, pgRestart: options.pgRestart },
        random,
      )) {
        while (settled.size < planned.atProgress * options.executions) {
          if (!submitting && settled.size >= submitted.length) break;
          await sleep(50);
        }
        if (!submitting && settled.size >= submitted.length) {
          skippedFaults.push(`${planned.kind}: the run ended first`);
          continue;
        }
        await inject(planned.kind);
        log(`${planned.kind}: ${faults.at(-1)?.target ?? ''} (${settled.size} settled)`);
      }
    })();

    await Promise.all([submit, chaos]);
    await watch;
    const finishedAt = Date.now();
    log(`all settled in ${Math.round((finishedAt - startedAt) / 1000)} s; reading outputs`);

    const finishTimes = [...settled.values()].map((s) => s.finishedAt).sort((a, b) => a - b);
    for (const fault of faults) {
      const next = finishTimes.find((t) => t > fault.endedAt);
      if (next !== undefined) fault.nextSettleMs = next - fault.endedAt;
    }
    const views = new Map<string, ExecutionView | undefined>();
    const queue = submitted.map((s) => s.id);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          const execution = id;
          views.set(execution, await call((c) => c.getExecution(execution)).catch(() => undefined));
        }
      }),
    );
    const { rows: known } = await sql.query<{ n: string }>(`select count(*) as n from workflow_executions`);
    const { rows: reattempted } = await sql.query<{ n: string }>(`select count(distinct (execution_id, instance_key)) as n from step_runs where attempt > 1`);
    const leftoverJobs: Record<string, number> = {};
    for (const queue of WORK_QUEUES) {
      for (const state of ['wait', 'active', 'prioritized', 'delayed', 'failed']) {
        const key = `${PREFIX}:${queue}:${state}`;
        const type = await redis.type(key);
        const n = type === 'list' ? await redis.llen(key) : type === 'zset' ? await redis.zcard(key) : 0;
        if (n > 0) leftoverJobs[`${queue} ${state}`] = n;
      }
    }
    // Work step types have queues (agent-task's exists for the monitor's counts though nobody here takes jobs); any other step-* queue is a control step's, which must never be.
    const workQueues = WORK_STEP_TYPES.map((type) => `${PREFIX}:step-${type}:`);
    const strayQueueKeys = (await redis.keys(`${PREFIX}:step-*`)).filter(
      (key) => !workQueues.some((q) => key.startsWith(q)) && !key.startsWith(`${PREFIX}:step-results`),
    );
    return {
      options,
      machine,
      startedAt,
      finishedAt,
      submitted,
      views,
      unsubmitted: Number(known[0]!.n) - submitted.length,
      calls: target.calls,
      faults,
      skippedFaults,
      restarts: supervisor.restarts,
      clientErrors,
      logs,
      leftoverJobs,
      strayQueueKeys,
      reattemptedInstances: Number(reattempted[0]!.n),
      maxLoadAverage,
    };
  } finally {
    await supervisor.stop();
    redis.disconnect();
    await sql.end();
    await target.close();
    await services.stop();
  }
}
