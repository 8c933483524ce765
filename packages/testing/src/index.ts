export { testDatabase, testDatabaseServerUrl } from './database.js';
export type { TestDatabase } from './database.js';
export { testRedis, testRedisServerUrl } from './redis.js';
export type { TestRedis } from './redis.js';
export { dockerAvailable } from './docker.js';
export { spawnApp, appEntryPoint } from './app-process.js';
export type { AppProcess, SpawnAppOptions } from './app-process.js';
export { startCoordinator, startWorker } from './cluster.js';
export type { CoordinatorProcess, ServiceUrls } from './cluster.js';
