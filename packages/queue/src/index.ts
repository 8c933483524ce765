export { RESULTS_QUEUE, DEFAULT_PREFIX, stepQueueName } from './names.js';
export { StepJobSchema } from './step-job.js';
export type { StepJob } from './step-job.js';
export { StepResultSchema, StepLogSchema } from './step-result.js';
export type { StepResult, StepLog } from './step-result.js';
export { createRedisConnection, checkRedis, redisAddress } from './redis-connection.js';
export type { RedisConnectionOptions } from './redis-connection.js';
export { StepQueues, STEP_JOB_OPTIONS, RESULT_JOB_OPTIONS } from './step-queues.js';
export type { StepQueuesOptions } from './step-queues.js';
