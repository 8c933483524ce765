import { spawnApp, type AppProcess } from './app-process.js';

export interface ServiceUrls {
  databaseUrl: string;
  redisUrl: string;
  /** BullMQ key prefix shared by the coordinator and its workers. */
  prefix: string;
}

export interface CoordinatorProcess extends AppProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** An admin key for every namespace (the coordinator's AF_BOOTSTRAP_ADMIN_KEY). */
  adminKey: string;
}

/**
 * The bootstrap admin key test coordinators start with. Tests make the keys they test with through
 * the API, with this one, as an operator would; it is a test fixture, not a secret.
 */
export const TEST_ADMIN_KEY = 'test-bootstrap-admin-key-0123456789abcdef';

export interface LaunchOptions {
  name?: string;
  env?: Record<string, string>;
  echo?: boolean;
  nodeArgs?: string[];
  /** Every line the process writes, as it comes. */
  onLine?: (line: string) => void;
  /** How long it may take to be ready (default 30 s); it is killed after that. */
  readyTimeoutMs?: number;
}

/** The launchers read readiness from the app's info-level ready line, so they run apps at `info` unless told otherwise. */
const READY = (message: string) => (_line: string, json: Record<string, unknown> | null) => json?.['msg'] === message;

/** Starts a built coordinator on a free port and waits until it serves requests. */
export async function startCoordinator(services: ServiceUrls, options: LaunchOptions = {}): Promise<CoordinatorProcess> {
  const process = await spawnApp({
    name: options.name ?? 'coordinator',
    app: 'coordinator',
    env: {
      DATABASE_URL: services.databaseUrl,
      REDIS_URL: services.redisUrl,
      BULLMQ_PREFIX: services.prefix,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      AF_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      ...options.env,
    },
    ready: READY('coordinator ready'),
    ...(options.echo === undefined ? {} : { echo: options.echo }),
    ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
    ...(options.onLine ? { onLine: options.onLine } : {}),
    ...(options.readyTimeoutMs ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
  });
  const port = process.readyLine?.['port'];
  if (typeof port !== 'number') throw new Error(`coordinator did not report its port: ${JSON.stringify(process.readyLine)}`);
  return { ...process, url: `http://127.0.0.1:${port}`, adminKey: options.env?.['AF_BOOTSTRAP_ADMIN_KEY'] ?? TEST_ADMIN_KEY };
}

/** Starts a built worker consuming `stepTypes` and waits until its queue consumers are ready. */
export async function startWorker(services: Omit<ServiceUrls, 'databaseUrl'>, stepTypes: readonly string[], options: LaunchOptions = {}): Promise<AppProcess> {
  return spawnApp({
    name: options.name ?? `worker(${stepTypes.join(',')})`,
    app: 'worker',
    // Tests' HTTP servers listen on 127.0.0.1, which the egress policy denies by default: opened here, explicitly (options.env may narrow it).
    env: {
      REDIS_URL: services.redisUrl,
      BULLMQ_PREFIX: services.prefix,
      STEP_TYPES: stepTypes.join(','),
      LOG_LEVEL: 'info',
      EGRESS_ALLOW: '127.0.0.1',
      ...options.env,
    },
    unsetEnv: ['DATABASE_URL'],
    ready: READY('worker ready'),
    ...(options.echo === undefined ? {} : { echo: options.echo }),
    ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
    ...(options.onLine ? { onLine: options.onLine } : {}),
    ...(options.readyTimeoutMs ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
  });
}
