export { testDatabase, testDatabaseServerUrl } from './database.js';
export type { TestDatabase } from './database.js';
export { testRedis, testRedisServerUrl } from './redis.js';
export type { TestRedis } from './redis.js';
export { dockerAvailable } from './docker.js';
