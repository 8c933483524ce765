export { testDatabase, testDatabaseServerUrl } from './database.js';
export type { TestDatabase } from './database.js';
export { testRedis, testRedisServerUrl } from './redis.js';
export type { TestRedis } from './redis.js';
export { startRedisServer } from './redis-server.js';
export type { RedisServer } from './redis-server.js';
export { dockerAvailable } from './docker.js';
export { databaseTexts, occurrences, redisTexts } from './stored-text.js';
export type { StoredText } from './stored-text.js';
// The process launchers and stand-ins live in local-cluster (the demo uses them too, without this
// package's database and container dependencies); tests keep importing them from here.
export {
  freePort,
  spawnApp,
  appEntryPoint,
  startCoordinator,
  startWorker,
  TEST_ADMIN_KEY,
  startDemoApi,
  startFakeLlm,
  scripted,
  mentions,
  lastUserText,
  demoModel,
} from '@agentic-flow/local-cluster';
export type {
  AppProcess,
  SpawnAppOptions,
  CoordinatorProcess,
  LaunchOptions,
  ServiceUrls,
  DemoApi,
  FakeLlm,
  FakeLlmDirective,
  FakeLlmMessage,
  FakeLlmReply,
  FakeLlmReplyFn,
  FakeLlmRequest,
  FakeLlmToolCall,
  ScriptedRoute,
} from '@agentic-flow/local-cluster';
