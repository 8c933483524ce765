import type { ExpressionAnswer, StepCancellationPublisher, StepQueues, StepResult } from '@agentic-flow/queue';
import type { Database } from '@agentic-flow/store';
import type pg from 'pg';
import type { Logger } from '@agentic-flow/telemetry';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import type { BackgroundEvaluations } from '../expressions/background-evaluations.js';
import type { ExpressionRunner } from '../expressions/expression-runner.js';
import type { ExecutionStateCache } from './state-cache.js';
import type { StrategyRegistry } from '../workflows/strategy-registry.js';
import type { CoordinatorMetrics } from '../metrics/coordinator-metrics.js';
import type { ChildActionSink } from './child-action.js';

/** What starting an execution and applying results need: the coordinator's shared services. */
export interface CoordinatorServices {
  db: Database;
  /** The same pool as `db`'s, for the hot path's raw multi-statement round trips. */
  pool: pg.Pool;
  registry: WorkflowRegistry;
  queues: StepQueues;
  /** Tells workers which runs a transition cancelled, so the one running each aborts it. */
  cancellations: StepCancellationPublisher;
  logger: Logger;
  now: () => number;
  /** Answers the engine's expressions: at once when they are simple, else in a sandbox process. */
  expressions: ExpressionRunner;
  /** Answers what a transition left unanswered, after it committed. */
  background: BackgroundEvaluations;
  /** Puts an entry on `step-results`, for whichever coordinator reads it to apply (a failure the reconciler decided, an answer). */
  publish: (entry: StepResult | ExpressionAnswer) => Promise<void>;
  /** How long a transition (a batch of results, a start, a lifecycle change) may spend answering expressions. */
  inlineBudgetMs: number;
  /** `MAX_EXECUTION_STATE_BYTES`: results that would make a state larger fail instead. */
  maxStateBytes: number;
  /** Recovery strategies registered through the API, shared by all coordinators. */
  strategies: StrategyRegistry;
  /** States of the executions this coordinator moved last (the one-round-trip path). */
  cache: ExecutionStateCache;
  /** Running and paused executions allowed at once; 0: no limit (`maxConcurrentWorkflows`). */
  maxConcurrentWorkflows: number;
  /** Automatic snapshot interval given to new executions; null: none (`enableSnapshots`). */
  snapshotIntervalMs: number | null;
  /** Called after a transition that settled executions: slots may have opened for pending ones, and their expressions need no answers. */
  onSettled: (settled: readonly { executionId: string; workflowId: string; status: string }[]) => void;
  /** In-memory counters for `/metrics`; absent in tests that need none. */
  metrics?: CoordinatorMetrics;
  /** Called after a transaction that wrote stream events committed: the event hub positions them for open streams. */
  eventsWritten?: () => void;
  /** Called after a transaction that wrote step signals committed, with the earliest due time: the signal poller wakes early for it. */
  signalsWritten?: (dueAt: number) => void;
  /** Runs admission now; resolves with the ids it started. */
  admitNow: () => Promise<string[]>;
  /** Starts and signals the child executions of `workflow` steps after commit (`ChildExecutions`); absent: none are. */
  children?: ChildActionSink;
  /** `MAX_WORKFLOW_DEPTH`: how deep `workflow` steps may nest child executions (engine default when absent). */
  maxWorkflowDepth?: number;
  /** `MAX_STEPS_PER_EXECUTION`: how many step instances one execution may hold (engine default when absent). */
  maxStepsPerExecution?: number;
  /** `BRANCH_STARTS_PER_TRANSITION`: how many parallel branches one transaction starts, all parallels together (engine default when absent). */
  branchStartsPerTransition?: number;
}
