import {
  AGENT_EXECUTOR_TRAITS,
  HTTP_EXECUTOR_TRAITS,
  SCRIPT_EXECUTOR_TRAITS,
  createEgressPolicy,
  createHttpExecutor,
  createScriptExecutor,
  type StepExecutor,
} from '@agentic-flow/executors';
import { CircuitBreaker, Heartbeat, ResultReporter, SandboxCrashCounter, checkRedis, createRedisConnection } from '@agentic-flow/queue';
import { hostname } from 'node:os';
import { ProcessScriptSandbox } from '@agentic-flow/sandbox';
import { createLogger, registerSandboxPoolMetrics, type SandboxPoolStats, type Telemetry } from '@agentic-flow/telemetry';
import { startHealthServer } from './health-server.js';
import { WorkerMetrics } from './metrics/worker-metrics.js';
import { tracedProcessor } from './step-trace.js';
import { createAgentSetup, type AgentSummary } from './agent-setup.js';
import { cancellableProcessor } from './cancellable-processor.js';
import { listenForCancellations } from './cancellation-listener.js';
import { circuitBreakerDefaults, concurrencyFor, credentialsIn, loadConfig, secretsFrom } from './config.js';
import { RunningSteps } from './running-steps.js';
import { WorkingMarkers } from './working-markers.js';
import { ResultReplay } from './result-replay.js';
import { StepConsumers } from './step-consumers.js';
import { createStepProcessor } from './step-processor.js';
import { SecretsDirError, WorkerSecrets } from './worker-secrets.js';

/** Levels of arrays and objects any step's output may nest: deeper than this, serializing it gets risky. */
const OUTPUT_DEPTH_LIMIT = 200;

/** Fails startup with one plain line and a non-zero exit code: no stack trace for a known cause. */
export function exitWith(message: string): never {
  process.stderr.write(`worker: ${message}\n`);
  process.exit(1);
}

/** The worker's start, imported by `main.ts` once tracing (if any) is set up. */
export async function run(telemetry: Telemetry): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) exitWith(loaded.message);
  const config = loaded.config;
  // Before the logger: every line it writes is masked with every secret the worker holds.
  let secrets: WorkerSecrets;
  try {
    secrets = new WorkerSecrets({
      env: secretsFrom(process.env),
      ...(config.AF_SECRETS_DIR ? { dir: config.AF_SECRETS_DIR } : {}),
      credentials: credentialsIn(process.env),
    });
  } catch (error) {
    if (error instanceof SecretsDirError) exitWith(error.message);
    throw error;
  }
  const logger = createLogger({ name: 'worker', level: config.LOG_LEVEL, mask: (line) => secrets.mask.json(line) }).child({ workerId: config.WORKER_ID });
  secrets.watch(logger);
  logger.info(
    { names: secrets.names(), ...(config.AF_SECRETS_DIR ? { dir: config.AF_SECRETS_DIR } : {}) },
    `secrets: ${secrets.names().length} held (values are masked in everything this worker reports and logs)`,
  );
  for (const { file, reason } of secrets.skipped) logger.warn({ file }, `secrets directory: "${file}" skipped: ${reason}`);
  if (secrets.overridden().length > 0)
    logger.info({ names: secrets.overridden() }, "secrets in both AF_SECRET_* and AF_SECRETS_DIR: the directory's values are used");

  const consumes = (type: string): boolean => config.STEP_TYPES.includes(type);
  // Each executor answers for its type (its name, concurrency, circuit breaker): registering it is all it takes.
  const executors = new Map<string, StepExecutor>();
  const register = (executor: StepExecutor): void => {
    executors.set(executor.type, executor);
  };
  const concurrencyOf = (type: string): number => concurrencyFor(config, type, executors.get(type)?.defaultConcurrency);
  // Closed after the executors that run scripts in them.
  const sandboxes: ProcessScriptSandbox[] = [];
  // Each pool's stats, read at scrape time by the metrics registry.
  const pools = new Map<string, () => SandboxPoolStats>();
  // Scripts run in sandbox processes, one per slot: a script that makes V8 abort kills its process,
  // never the worker. The processes apply the output limit before the script's output is parsed here.
  const scriptSandbox = (pool: string, processes: number): ProcessScriptSandbox => {
    const sandbox = new ProcessScriptSandbox({ processes, maxOutputBytes: config.MAX_OUTPUT_BYTES, maxOutputDepth: OUTPUT_DEPTH_LIMIT });
    sandboxes.push(sandbox);
    pools.set(pool, () => sandbox.stats());
    return sandbox;
  };
  const scriptCaps = { maxTimeoutMs: config.SCRIPT_MAX_TIMEOUT_MS, maxMemoryLimitMb: config.SCRIPT_MAX_MEMORY_MB };
  // One policy for http steps and the agents' http tool, parsed and precomputed once.
  const egress = createEgressPolicy({ allow: config.EGRESS_ALLOW });
  if (consumes(HTTP_EXECUTOR_TRAITS.type)) register(createHttpExecutor({ egress }));
  if (consumes(SCRIPT_EXECUTOR_TRAITS.type)) {
    // One sandbox process per slot: sized by the type's concurrency before its executor exists.
    const slots = concurrencyFor(config, SCRIPT_EXECUTOR_TRAITS.type, SCRIPT_EXECUTOR_TRAITS.defaultConcurrency);
    register(createScriptExecutor({ sandbox: scriptSandbox('scripts', slots), ...scriptCaps }));
  }
  // Agents are set up before any connection: a provider or tool module problem is a startup error.
  let agent: AgentSummary | undefined;
  if (consumes(AGENT_EXECUTOR_TRAITS.type)) {
    const setup = await createAgentSetup(process.env, config, scriptSandbox('agent-scripts', config.AGENT_SCRIPT_PROCESSES), egress);
    if (!setup.ok) exitWith(setup.message);
    register(setup.executor);
    agent = setup.summary;
  }

  await checkRedis(config.REDIS_URL).catch((error: Error) => exitWith(error.message));
  const metrics = new WorkerMetrics();
  registerSandboxPoolMetrics(metrics.registry, pools);

  for (const type of config.STEP_TYPES) {
    if (!executors.has(type)) logger.warn({ stepType: type }, `no executor for "${type}" steps in this build: its jobs fail with UNSUPPORTED_STEP_TYPE`);
  }

  const producer = createRedisConnection(config.REDIS_URL, { role: 'producer', connectionName: `af-worker-${config.WORKER_ID}` });
  const blocking = createRedisConnection(config.REDIS_URL, { role: 'blocking', connectionName: `af-worker-${config.WORKER_ID}-consumer` });
  const results = new ResultReporter(producer, config.BULLMQ_PREFIX);
  const replay = new ResultReplay({ connection: producer, prefix: config.BULLMQ_PREFIX, report: (json, run) => results.reportJson(json, run), logger });
  const circuitBreaker = new CircuitBreaker({ connection: producer, prefix: config.BULLMQ_PREFIX, defaults: circuitBreakerDefaults(config) });
  // Subscriber mode takes a connection of its own. Subscribed before the first job is taken.
  const subscription = createRedisConnection(config.REDIS_URL, { role: 'blocking', connectionName: `af-worker-${config.WORKER_ID}-cancellations` });
  subscription.on('error', (error) => logger.warn({ err: error }, 'step cancellations: redis connection error'));
  const running = new RunningSteps();
  const cancellations = await listenForCancellations({ subscription, commands: producer, prefix: config.BULLMQ_PREFIX, running, logger });
  const workingMarkers = new WorkingMarkers({ connection: producer, prefix: config.BULLMQ_PREFIX, workerId: config.WORKER_ID, running, logger });
  const stepProcessor = createStepProcessor({
    executors,
    reportJson: async (json, run) => {
      await results.reportJson(json, run);
      replay.record(json, run);
    },
    workerId: config.WORKER_ID,
    secrets,
    logger,
    circuitBreaker,
    outputLimits: { maxBytes: config.MAX_OUTPUT_BYTES, maxDepth: OUTPUT_DEPTH_LIMIT },
    crashQuarantine: { counter: new SandboxCrashCounter({ connection: producer, prefix: config.BULLMQ_PREFIX }), threshold: config.POISON_THRESHOLD },
    metrics,
  });
  const consumers = new StepConsumers({
    stepTypes: config.STEP_TYPES,
    concurrency: concurrencyOf,
    processor: tracedProcessor(cancellableProcessor(stepProcessor, { running, wasCancelled: (id) => cancellations.wasCancelled(id), logger })),
    connection: blocking,
    prefix: config.BULLMQ_PREFIX,
    lockDuration: config.LOCK_DURATION_MS,
    stalledInterval: config.STALLED_INTERVAL_MS,
    workerDeathLimit: config.WORKER_DEATH_LIMIT,
    logger,
  });
  // Jobs are taken only once the sandbox processes are warm: a ready worker runs its first script at once.
  await Promise.all(sandboxes.map((sandbox) => sandbox.warm()));
  consumers.start();
  await consumers.waitUntilReady();
  // Live workers per step type, for the monitor's health status (a queue with jobs and nobody to take them).
  const heartbeat = new Heartbeat({
    connection: producer,
    prefix: config.BULLMQ_PREFIX,
    role: 'worker',
    id: config.WORKER_ID,
    describe: () => ({ stepTypes: [...config.STEP_TYPES], host: hostname(), pid: process.pid }),
  });
  let consuming = true;
  const health =
    config.HEALTH_PORT === undefined
      ? undefined
      : await startHealthServer({
          host: config.HEALTH_HOST,
          port: config.HEALTH_PORT,
          registry: metrics.registry,
          ready: async () => {
            const redis = await producer.ping().then(
              () => 'ok',
              (error: Error) => error.message,
            );
            const consumersState = consuming ? 'ok' : 'stopping';
            return { ok: redis === 'ok' && consuming, checks: { redis, consumers: consumersState } };
          },
        }).catch((error: Error) => exitWith(`HEALTH_PORT ${config.HEALTH_PORT}: ${error.message}`));
  logger.info(
    {
      ...(health ? { healthPort: health.port } : {}),
      stepTypes: config.STEP_TYPES,
      concurrency: Object.fromEntries(config.STEP_TYPES.map((t) => [t, concurrencyOf(t)])),
      circuitBreakers: await circuitBreaker.config().catch(() => undefined),
      egressAllow: config.EGRESS_ALLOW.map((entry) => entry.text),
      ...(agent ? { agent } : {}),
    },
    'worker ready',
  );

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing running steps');
    await heartbeat.stop();
    consuming = false; // not ready: a load balancer or the kubelet stops counting on this worker
    const outcome = await consumers.close(config.SHUTDOWN_TIMEOUT_MS);
    if (outcome === 'forced') {
      // Exit without reporting: the unfinished steps must not look failed, their jobs go back to the queue.
      logger.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown timeout: unfinished steps go back to the queue');
      process.exit(0);
    }
    await Promise.all([...executors.values()].map((e) => e.close?.()));
    await Promise.all(sandboxes.map((sandbox) => sandbox.close()));
    // Only now: steps still finishing above could be cancelled until the last one ended.
    await cancellations.close();
    workingMarkers.stop();
    replay.stop();
    subscription.disconnect();
    producer.disconnect();
    blocking.disconnect();
    await health?.close();
    await telemetry.shutdown();
    logger.info({ outcome }, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
