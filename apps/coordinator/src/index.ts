export { ConfigSchema, loadConfig } from './config.js';
export type { CoordinatorConfig } from './config.js';
export { createCoordinator } from './coordinator.js';
export type { Coordinator } from './coordinator.js';
