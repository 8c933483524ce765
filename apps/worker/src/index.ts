export { ConfigSchema, loadConfig, concurrencyFor, secretsFrom, DEFAULT_CONCURRENCY } from './config.js';
export type { WorkerConfig } from './config.js';
export { createStepProcessor } from './step-processor.js';
export { StepConsumers } from './step-consumers.js';
