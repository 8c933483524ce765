import { checkRedis } from '@agentic-flow/queue';
import { migrateDatabase } from '@agentic-flow/store';
import { createLogger, type Telemetry } from '@agentic-flow/telemetry';
import { loadConfig } from './config.js';
import { createCoordinator } from './coordinator.js';

/** Fails startup with one plain line and a non-zero exit code: no stack trace for a known cause. */
export function exitWith(message: string): never {
  process.stderr.write(`coordinator: ${message}\n`);
  process.exit(1);
}

/** The coordinator's start, imported by `main.ts` once tracing (if any) is set up. */
export async function run(telemetry: Telemetry): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) exitWith(loaded.message);
  const config = loaded.config;
  const logger = createLogger({ name: 'coordinator', level: config.LOG_LEVEL });

  // Both services are checked before anything starts, so the operator sees every cause at once.
  const problems = (
    await Promise.all([
      migrateDatabase(config.DATABASE_URL).then(
        () => null,
        (error: Error) => error.message,
      ),
      checkRedis(config.REDIS_URL).then(
        () => null,
        (error: Error) => error.message,
      ),
    ])
  ).filter((p): p is string => p !== null);
  if (problems.length > 0) exitWith(problems.join('; '));

  const coordinator = createCoordinator(config, logger);
  const address = await coordinator.start();
  logger.info({ ...address }, 'coordinator ready');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    await coordinator.stop();
    await telemetry.shutdown();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
