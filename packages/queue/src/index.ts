export { RESULTS_QUEUE, DEFAULT_PREFIX, stepQueueName } from './names.js';
export { StepJobSchema } from './step-job.js';
export type { StepJob } from './step-job.js';
export { StepResultSchema, StepLogSchema } from './step-result.js';
export { ExpressionAnswerSchema } from './expression-answer.js';
export type { ExpressionAnswer } from './expression-answer.js';
export type { StepResult, StepLog } from './step-result.js';
export { createRedisConnection, checkRedis, redisAddress } from './redis-connection.js';
export type { RedisConnectionOptions } from './redis-connection.js';
export { StepQueues, STEP_JOB_OPTIONS, RETRY_BACKOFF } from './step-queues.js';
export { DeadLetterQueue } from './dead-letter-queue.js';
export type { DeadLetter, DeadLetterRef } from './dead-letter-queue.js';
export type { StepQueuesOptions } from './step-queues.js';
export { ResultReporter, resultStreamKeys } from './result-stream.js';
export { stepResultJson } from './step-result-json.js';
export type { PreSerializedField, PreSerializedFields, StepResultEnvelope } from './step-result-json.js';
export { SandboxCrashCounter, SANDBOX_CRASH_TTL_MS, sandboxCrashKey } from './sandbox-crash-counter.js';
export type { SandboxCrashCounterOptions } from './sandbox-crash-counter.js';
export type { ResultStreamKeys, StreamEntry } from './result-stream.js';
export { ResultStreamConsumer } from './result-stream-consumer.js';
export type { ResultStreamConsumerOptions } from './result-stream-consumer.js';
export {
  CircuitBreaker,
  DEFAULT_CIRCUIT_BREAKER_CONFIG,
  circuitBreakerKeys,
  readCircuitBreakerConfig,
  writeCircuitBreakerConfig,
  listCircuitBreakers,
  resetCircuitBreaker,
} from './circuit-breaker.js';
export type {
  CircuitBreakerConfig,
  CircuitBreakerOptions,
  CircuitBreakerKeys,
  CircuitBreakerState,
  CircuitDecision,
  CircuitPermit,
  CircuitRejection,
  CircuitState,
  CircuitVerdict,
} from './circuit-breaker.js';
export { CANCELLED_MARKER_TTL_MS, StepCancellationMessageSchema, stepCancellationKeys } from './step-cancellations.js';
export type { StepCancellationKeys, StepCancellationMessage } from './step-cancellations.js';
export { StepCancellationPublisher } from './step-cancellation-publisher.js';
export type { StepCancellationPublisherOptions } from './step-cancellation-publisher.js';
export { StepCancellationSubscriber } from './step-cancellation-subscriber.js';
export type { StepCancellationSubscriberOptions, CancellationSource } from './step-cancellation-subscriber.js';
export { LuaScript } from './lua-script.js';
export { REPORTED_MARKER_TTL_MS, reportedMarkerKey, reportedRuns, markerOfResult } from './reported-results.js';
export type { ReportedRun } from './reported-results.js';
export { RecentResults } from './recent-results.js';
export type { RecentResult } from './recent-results.js';
export { RedisLossDetector } from './redis-loss.js';
export { LOST_CONFIRM_MS, WORKING_MARKER_TTL_MS, WORKING_REFRESH_MS, markWorking, workingMarkerKey, workingRuns } from './working-runs.js';
export { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS, Heartbeat, heartbeatKeys, liveProcesses, removeHeartbeat, sendHeartbeat } from './heartbeats.js';
export type { ProcessHeartbeat, ProcessRole } from './heartbeats.js';
