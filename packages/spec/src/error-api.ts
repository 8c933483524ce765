import type { RecoveryStrategy } from './recovery-strategy.js';

/** The error-handling API's shapes (`WorkflowErrorHandler` over HTTP). Timestamps are ISO 8601. */

export const RECOVERY_STRATEGY_KINDS = ['retry', 'skip', 'alternative', 'rollback', 'escalate', 'none'] as const;
/** The strategy the engine applied to a final step failure; `none` fails the execution. */
export type AppliedStrategy = (typeof RECOVERY_STRATEGY_KINDS)[number];

export interface RegisteredStrategy {
  /** The namespace whose executions it applies to. */
  namespace: string;
  /** The workflow whose step `target` is (in every version of it); absent: `target` is a step type, for every workflow. */
  workflowId?: string;
  /** A step type (`http`, …), or with `workflowId` a step id. */
  target: string;
  strategy: RecoveryStrategy;
  updatedAt: string;
}

/** An operator's decision on an escalated step. */
export type ErrorResolutionInput = { action: 'retry' } | { action: 'skip' } | { action: 'output'; output: unknown } | { action: 'fail'; message?: string };

/** One final step failure and what was done about it. */
export interface ErrorView {
  id: string;
  executionId: string;
  stepId: string;
  instanceKey: string;
  stepType: string;
  attempt: number;
  code: string;
  message: string;
  details: unknown;
  strategy: AppliedStrategy;
  /** An escalation's `escalationHandler`, when its strategy names one. */
  escalationHandler: string | null;
  /** `open` while an escalated step waits for `resolveError`; `closed` otherwise. */
  status: 'open' | 'closed';
  /** The operator's resolution, or `{ action: 'cancel' }` when the execution was cancelled while it waited. */
  resolution: ErrorResolutionInput | { action: 'cancel' } | null;
  createdAt: string;
  resolvedAt: string | null;
}

export interface ErrorStatistics {
  from: string;
  to: string;
  total: number;
  byStepType: Record<string, number>;
  byCode: Record<string, number>;
  byStrategy: Record<string, number>;
}

export interface AlertView {
  id: string;
  type: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  executionId: string | null;
  errorId: string | null;
  data: unknown;
  /** `firing` when a condition starts or a step escalates, `resolved` when it ends or the escalation is decided (null on alerts written before escalations had states). */
  state: 'firing' | 'resolved' | null;
  /** Monitor alerts: the condition (`error-rate`, `no-worker:http`, …). */
  condition: string | null;
  /** `*` for a cluster alert (shown in every namespace). */
  namespace: string;
  createdAt: string;
}

/** A step job in a BullMQ failed set (the dead letter queue). */
export interface DeadLetterSummary {
  /** The job id, which is the step run id. */
  jobId: string;
  stepType: string;
  stepId: string;
  executionId: string;
  instanceKey: string;
  attempt: number;
  failedReason: string;
  /** BullMQ attempts made, retries included. */
  attemptsMade: number;
  failedAt: string | null;
}

export interface DeadLetterEntry extends DeadLetterSummary {
  workflowId: string;
  workflowVersion: string;
  /** The job's payload: the step's resolved config (and context for scripts). */
  payload: unknown;
  stacktrace: string[];
  /** The execution's status now, or null when it no longer exists. */
  executionStatus: string | null;
}

export interface DeadLetterPage {
  items: DeadLetterSummary[];
  total: number;
  offset: number;
  limit: number;
}

export interface DeadLetterRetryResult {
  jobId: string;
  executionId: string;
  /** `resolved` (an escalated step runs again), `resumed` (a failed execution resumes), `requeued` (a result that never arrived). */
  outcome: 'resolved' | 'resumed' | 'requeued';
  executionStatus: string;
}

export interface CircuitBreakerSettings {
  failureThreshold: number;
  /** How long an open breaker rejects calls, in ms. */
  timeout: number;
  halfOpenMaxAttempts: number;
}

export interface CircuitBreakerView {
  /** Step type and target, e.g. `http:api.example.com:443`. */
  key: string;
  state: 'closed' | 'open' | 'half-open';
  failures: number;
  openedAt: string | null;
  halfOpenInFlight: number;
}

export interface CircuitBreakersView {
  /** `shared` over the built-in defaults (5 failures, 30 s, 3 trials). */
  config: CircuitBreakerSettings;
  /**
   * The fields set through the API: every worker uses them. A field not set here is each worker's own
   * default (its CIRCUIT_* environment, else the built-in one).
   */
  shared: Partial<CircuitBreakerSettings>;
  items: CircuitBreakerView[];
}
