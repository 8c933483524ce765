import type { StepQueues } from '@agentic-flow/queue';
import type { Database } from '@agentic-flow/store';
import type { Logger } from '@agentic-flow/telemetry';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import type { Evaluate } from './drive-engine.js';

/** What starting an execution and applying results need: the coordinator's shared services. */
export interface TransitionDeps {
  db: Database;
  registry: WorkflowRegistry;
  queues: StepQueues;
  logger: Logger;
  now: () => number;
  evaluate: Evaluate;
}
