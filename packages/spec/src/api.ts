import type { Problem } from './problem.js';
import type { TokenUsage, TranscriptEntry } from './agent.js';
import type { StepError } from './step-error.js';
import type { HttpResponse } from './steps/http.js';

/** The shapes the HTTP API returns, shared by the coordinator and the SDK. Timestamps are ISO 8601. */

export const EXECUTION_STATUSES = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
/** Statuses an execution never leaves by itself. `failed` can still be resumed. */
export const SETTLED_EXECUTION_STATUSES: readonly ExecutionStatus[] = ['completed', 'failed', 'cancelled'];

export const STEP_RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
export type StepRunStatus = (typeof STEP_RUN_STATUSES)[number];

export interface ExecutionError {
  code: string;
  message: string;
  stepId?: string;
}

/** A step run as a poll sees it: everything but its output (`GET /v1/executions/:id`). */
export interface StepRunSummary {
  id: string;
  stepId: string;
  /** The step's key within its loop iteration, e.g. `fetch` or `batches#2/process`. */
  instanceKey: string;
  stepType: string;
  attempt: number;
  status: StepRunStatus;
  error: StepError | null;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  workerId: string | null;
  /** Agent steps: the provider and model that answered, and the tokens the run used. */
  agent: AgentRunView | null;
  /**
   * http steps that succeeded: the response's status and headers. The body is the run's `output`
   * (and the step's result); later steps read these as `steps["id"].status` / `.headers`.
   */
  response: HttpResponse | null;
}

/** A step run with its output (`?include=outputs`, `GET /v1/executions/:id/steps/:stepRunId`). */
export interface StepRunView extends StepRunSummary {
  /** What the step returned; null while it has not succeeded (and when it returned null). */
  output: unknown;
}

export interface AgentRunView {
  provider: string;
  model: string;
  usage: TokenUsage;
}

/** One agent step run's conversation. */
export interface TranscriptView {
  stepRunId: string;
  stepId: string;
  instanceKey: string;
  attempt: number;
  status: StepRunStatus;
  provider: string | null;
  model: string | null;
  usage: TokenUsage | null;
  messages: TranscriptEntry[];
}

/** Tokens an execution's agent steps used, in total. */
export interface ExecutionUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** US dollars, summed over the runs whose provider has prices configured. */
  costUsd: number;
  /** The execution's `tokenBudget`, or null when unlimited. */
  tokenBudget: number | null;
}

export interface ExecutionSummary {
  id: string;
  /** The namespace it belongs to: its workflow's. */
  namespace: string;
  workflowId: string;
  workflowVersion: string;
  status: ExecutionStatus;
  error: ExecutionError | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Parts `GET /v1/executions/:id?include=…` can add to the overview. */
export const EXECUTION_INCLUDES = ['outputs'] as const;
export type ExecutionInclude = (typeof EXECUTION_INCLUDES)[number];

/**
 * Most step runs one `GET /v1/executions/:id` answers (`?stepsLimit=`), and how many it answers
 * without one: an execution of up to this many runs still comes back whole in one read.
 */
export const MAX_STEPS_PAGE = 1000;

/**
 * An execution without outputs: what `GET /v1/executions/:id` answers by default, so polling stays
 * small however much the steps returned. `?include=outputs` gives the {@link ExecutionView}.
 */
export interface ExecutionOverview extends ExecutionSummary {
  /** The variables given to `executeWorkflow`. */
  input: Record<string, unknown>;
  /** Current variables: the definition's defaults, the input, then every step's updates. */
  variables: Record<string, unknown>;
  /**
   * Its step runs in the order they were queued, without outputs: the first `stepsLimit` (default
   * and at most {@link MAX_STEPS_PAGE}), or those after `stepsCursor`.
   */
  steps: StepRunSummary[];
  /** Pass as `stepsCursor` for the runs after these; null when `steps` ends with the last run. */
  nextStepsCursor: string | null;
  /**
   * Steps that failed under an `escalate` strategy and wait for `resolveError` (the execution stays
   * `running` meanwhile); the open errors are listed by `listErrors({ executionId, status: 'open' })`.
   */
  escalations: { stepId: string; instanceKey: string; attempt: number; error: StepError | null }[];
  /** Tokens its agent steps used (failed runs and subtasks included). */
  usage: ExecutionUsage;
  /** The execution whose `workflow` step started this one; null for one a client started. */
  parentExecutionId: string | null;
  /** The child executions its `workflow` steps started, oldest first (a resume from failure resumes a child, it starts none). */
  children: ChildExecutionView[];
}

/** A child execution as its parent lists it. */
export interface ChildExecutionView {
  /** The parent's step instance that started it (its instance key: `sub`, or `loop#2/sub`). */
  stepKey: string;
  executionId: string;
  workflowId: string;
  status: ExecutionStatus;
}

/** An execution with its outputs (`?include=outputs`). */
export interface ExecutionView extends ExecutionOverview {
  /**
   * Output of each step that succeeded, by step id (latest loop iteration). When `steps` is not
   * every run (another page follows, or this one came from `stepsCursor`), only the step ids of
   * the runs in `steps`: the answer stays bounded by the page.
   */
  results: Record<string, unknown>;
  /** The page's step runs (see {@link ExecutionOverview.steps}), each with its output. */
  steps: StepRunView[];
}

/** What pause, resume, cancel and restore answer: the execution's status afterwards. */
export interface LifecycleResult {
  executionId: string;
  status: ExecutionStatus;
}

export interface SnapshotView {
  id: string;
  executionId: string;
  /** `manual`, `auto` (every `snapshotInterval`), or `restore` (the state a restore replaced). */
  kind: 'manual' | 'auto' | 'restore';
  status: ExecutionStatus;
  createdAt: string;
}

export interface LogEntryView {
  id: string;
  stepRunId: string | null;
  stepId: string | null;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  at: string;
}

export interface WorkflowSummary {
  id: string;
  /** The namespace it belongs to; the same id may name other workflows in other namespaces. */
  namespace: string;
  version: string;
  name: string;
  description: string | null;
  createdAt: string;
}

export interface CreateWorkflowResult {
  id: string;
  version: string;
  /** False when the same id and version with the same content already existed. */
  created: boolean;
}

export interface ExecuteWorkflowResult {
  executionId: string;
  status: ExecutionStatus;
}

export interface ListExecutionsFilter {
  workflowId?: string;
  status?: ExecutionStatus | ExecutionStatus[];
  /** 1–500, default 50. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface ApiErrorBody {
  error: { code: string; message: string; problems?: Problem[] };
}
