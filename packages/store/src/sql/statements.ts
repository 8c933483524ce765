import type { ExecutionError, ExecutionStatus, StepError, StepRunStatus } from '@agentic-flow/spec';
import type { LogLevel } from '../schema/statuses.js';
import { addNodeWrites, emptyNodeWrites, storedState, type ChangedNodes, type NodeWrites, type StateWithNodes } from './execution-nodes.js';
import { jsonLiteral, jsonTextLiteral } from './literal.js';

/**
 * SQL text of the statements on the per-step path. Each takes one JSON payload (expanded with
 * `jsonb_to_recordset`), so a batch of any size costs one statement, and each can be sent alone or
 * joined with others into one round trip.
 */

/**
 * A locked execution as the lock statements return it: its row's state is the head only (unless it
 * still holds its nodes inline); `runTransition` adds the nodes, read by a statement of their own
 * once the lock is held (see `nodesOfSql`).
 */
export interface LockedExecution {
  id: string;
  namespace: string;
  workflowId: string;
  workflowVersion: string;
  status: ExecutionStatus;
  /** The row's state: its head, the nodes added by `runTransition` after the lock (or inline in an older row). */
  state: unknown;
  version: number;
  /** The row's state still holds its nodes (written before they had rows): its first write must write them all. */
  nodesInline: boolean;
}

/**
 * Each statement takes its rows as one jsonb value, written either as a literal (`jsonLiteral`, for
 * multi-statement round trips) or as a parameter (`$1::jsonb`, for a prepared statement).
 */
export type Payload = string;

/**
 * Locks rows in id order, so coordinators locking overlapping sets never deadlock. With
 * `namespace`, only that namespace's rows: an execution of another one is neither locked nor
 * returned, as if it did not exist.
 */
export function lockExecutionsSql(ids: readonly string[], namespace?: string): string {
  return `select id, namespace, workflow_id as "workflowId", workflow_version as "workflowVersion", status, state, version,
                 state ? 'nodes' as "nodesInline"
            from workflow_executions
           where id in (select value::uuid from jsonb_array_elements_text(${jsonLiteral(ids)}))${
             namespace === undefined
               ? ''
               : `
             and namespace = ${jsonLiteral(namespace)} #>> '{}'`
           }
           order by id for update`;
}

export interface StepRunKey {
  id: string;
  executionId: string;
  instanceKey: string;
  attempt: number;
}

const RETURNING_KEY = `returning id, execution_id as "executionId", instance_key as "instanceKey", attempt`;

export interface StepRunCompletion {
  id: string;
  /** The execution the result claims; a run of another execution is left alone. */
  executionId: string;
  /** When given, the run must have this instance key too (the one-statement path relies on it). */
  instanceKey?: string;
  attempt: number;
  /** `skipped`: a failure the engine recovered with `skip` in the same transition (the fast path folds the two). */
  status: 'succeeded' | 'failed' | 'skipped';
  output?: unknown;
  error?: StepError | null;
  /** Epoch milliseconds on the worker; fractions are kept (microsecond precision in PostgreSQL). */
  startedAt: number;
  finishedAt: number;
  workerId: string;
  /** Agent steps: provider, model and token usage. */
  agent?: { provider: string; model: string; usage: unknown };
  /** Agent steps: the conversation. */
  transcript?: unknown[];
  /** http steps: the response's status and headers (the body is `output`). */
  response?: { status: number; headers: Record<string, string | string[]> };
}

/** `output` is wrapped so a JSON null output stays distinguishable from "no output" (SQL NULL). */
function wrapOutputs<T extends { output?: unknown }>(rows: readonly T[]): T[] {
  return rows.map((r) => ({ ...r, output: r.output === undefined ? undefined : { value: r.output } }));
}

export const completionsPayload = wrapOutputs<StepRunCompletion>;

/** Only runs still in flight with the same attempt change: a duplicate or late result matches nothing. */
export function completeStepRunsSql(completions: readonly StepRunCompletion[] | Payload, returning = true): string {
  const payload = typeof completions === 'string' ? completions : jsonLiteral(completionsPayload(completions));
  return `update step_runs as s
             set status = v.status, output = v.output -> 'value', error = v.error,
                 started_at = to_timestamp(v."startedAt" / 1000), finished_at = to_timestamp(v."finishedAt" / 1000), worker_id = v."workerId",
                 agent = v.agent, transcript = v.transcript, response = v.response
            from jsonb_to_recordset(${payload})
              as v(id uuid, "executionId" uuid, "instanceKey" text, attempt int, status text, output jsonb, error jsonb, "startedAt" float8, "finishedAt" float8, "workerId" text,
                   agent jsonb, transcript jsonb, response jsonb)
           where s.id = v.id and s.execution_id = v."executionId" and s.attempt = v.attempt and s.status in ('queued', 'running')
             and (v."instanceKey" is null or s.instance_key = v."instanceKey")
          ${returning ? `returning s.id, s.execution_id as "executionId", s.instance_key as "instanceKey", s.attempt` : 'returning 1'}`;
}

export interface StepRunWrite {
  id: string;
  executionId: string;
  stepId: string;
  instanceKey: string;
  stepType: string;
  attempt: number;
  status: StepRunStatus;
  input?: unknown;
  output?: unknown;
  error?: StepError | null;
  queuedAt?: Date | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
}

export const stepRunsPayload = wrapOutputs<StepRunWrite>;

/** Inserts runs, or updates the one with the same (execution, instance key, attempt), keeping its id. */
export function upsertStepRunsSql(rows: readonly StepRunWrite[] | Payload): string {
  const payload = typeof rows === 'string' ? rows : jsonLiteral(stepRunsPayload(rows));
  return `insert into step_runs (id, execution_id, step_id, instance_key, step_type, attempt, status, input, output, error, queued_at, started_at, finished_at)
          select v.id, v."executionId", v."stepId", v."instanceKey", v."stepType", v.attempt, v.status, v.input, v.output -> 'value', v.error, v."queuedAt", v."startedAt", v."finishedAt"
            from jsonb_to_recordset(${payload})
              as v(id uuid, "executionId" uuid, "stepId" text, "instanceKey" text, "stepType" text, attempt int, status text,
                   input jsonb, output jsonb, error jsonb, "queuedAt" timestamptz, "startedAt" timestamptz, "finishedAt" timestamptz)
          on conflict (execution_id, instance_key, attempt) do update
             set status = excluded.status,
                 output = coalesce(excluded.output, step_runs.output),
                 error = coalesce(excluded.error, step_runs.error),
                 started_at = coalesce(step_runs.started_at, excluded.started_at),
                 finished_at = coalesce(excluded.finished_at, step_runs.finished_at)
          ${RETURNING_KEY}`;
}

export interface ExecutionUpdate {
  id: string;
  /** The version the update was computed from; the row's becomes version + 1. */
  version: number;
  status: ExecutionStatus;
  /** The whole state: the row holds it whole when small, else its head, the nodes going to `execution_nodes`. */
  state: unknown;
  /** The nodes the transition changed; omitted: all of them. */
  changedNodes?: ChangedNodes;
  /** The row as read held its nodes inline; omitted: not known (see `addNodeWrites`). */
  nodesInline?: boolean;
  error: ExecutionError | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

/**
 * Writes new states, each only over the version it was computed from; returns the new versions.
 * A row whose version moved on is left alone (and missing from the answer).
 */
export function updateExecutionsSql(updates: readonly ExecutionUpdate[] | Payload): string {
  const payload = typeof updates === 'string' ? updates : jsonTextLiteral(executionsPayload(updates));
  return `update workflow_executions as e
             set status = v.status, state = v.state, error = v.error, version = e.version + 1,
                 started_at = v."startedAt", finished_at = v."finishedAt", updated_at = v."updatedAt"
            from jsonb_to_recordset(${payload})
              as v(id uuid, version int, status text, state jsonb, error jsonb, "startedAt" timestamptz, "finishedAt" timestamptz, "updatedAt" timestamptz)
           where e.id = v.id and e.version = v.version
          returning e.id, e.version`;
}

/** The updates as JSON text, each with its state as the row holds it (node rows: {@link nodeWritesOf}). */
export function executionsPayload(updates: readonly ExecutionUpdate[]): string {
  return JSON.stringify(updates.map(({ state, changedNodes: _changed, nodesInline: _inline, ...rest }) => ({ ...rest, state: storedState(state) })));
}

/** The node rows that the updates and new executions write. */
export function nodeWritesOf(updates: readonly ExecutionUpdate[], created: readonly NewExecution[] = []): NodeWrites {
  const writes = emptyNodeWrites();
  // A new execution has no rows yet: as if inline before, so a small one writes none.
  for (const row of created) addNodeWrites(writes, row.id, row.state as StateWithNodes, 'all', true);
  for (const update of updates) addNodeWrites(writes, update.id, update.state as StateWithNodes, update.changedNodes ?? 'all', update.nodesInline);
  return writes;
}

export interface ExecutionVersion {
  id: string;
  version: number;
}

export interface NewExecution {
  id: string;
  namespace: string;
  workflowId: string;
  workflowVersion: string;
  status: ExecutionStatus;
  state: unknown;
  /** The variables given to `executeWorkflow`, as given. */
  variables: Record<string, unknown>;
  error: ExecutionError | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Automatic snapshots every this many ms while running. */
  snapshotIntervalMs?: number | null;
  /** A child execution's parent, the parent's step instance waiting for it and that run's attempt (see `workflow` steps). */
  parentExecutionId?: string | null;
  parentInstanceKey?: string | null;
  parentAttempt?: number | null;
  /** How many `workflow` steps deep (0 for a client's execution). */
  depth?: number;
}

/**
 * A child's `root_execution_id` is read from its parent's row in the same statement (the parent's
 * root, or the parent itself when top-level), so no caller can give a child a tree other than its
 * parent's. The parent must be in the table already — a child always starts after its parent's
 * transaction committed; a child inserted in the same statement as its parent gets none.
 */
export function insertExecutionsSql(rows: readonly NewExecution[]): string {
  return `insert into workflow_executions (id, namespace, workflow_id, workflow_version, status, state, variables, error, created_at, started_at, finished_at, updated_at, snapshot_interval_ms,
                                          parent_execution_id, parent_instance_key, parent_attempt, depth, root_execution_id)
          select v.id, v.namespace, v."workflowId", v."workflowVersion", v.status, v.state, v.variables, v.error, v."createdAt", v."startedAt", v."finishedAt", v."createdAt", v."snapshotIntervalMs",
                 v."parentExecutionId", v."parentInstanceKey", v."parentAttempt", coalesce(v.depth, 0),
                 (select coalesce(p.root_execution_id, p.id) from workflow_executions p where p.id = v."parentExecutionId")
            from jsonb_to_recordset(${jsonLiteral(rows.map((row) => ({ ...row, state: storedState(row.state) })))})
              as v(id uuid, namespace text, "workflowId" text, "workflowVersion" text, status text, state jsonb, variables jsonb, error jsonb,
                   "createdAt" timestamptz, "startedAt" timestamptz, "finishedAt" timestamptz, "snapshotIntervalMs" int,
                   "parentExecutionId" uuid, "parentInstanceKey" text, "parentAttempt" int, depth int)`;
}

/** Key of the transaction-level advisory lock that serializes admission of pending executions. */
export const ADMISSION_LOCK_KEY = '7018401992827957858';

/**
 * Pending executions that may start now, oldest first, locked: at most `maxActive` minus the running
 * and paused ones. Run after `pg_advisory_xact_lock(ADMISSION_LOCK_KEY)` so two coordinators admitting
 * at once cannot both see the same free slots.
 */
export function admissibleExecutionsSql(maxActive: number): string {
  return `select id, namespace, workflow_id as "workflowId", workflow_version as "workflowVersion", status, state, version,
                 state ? 'nodes' as "nodesInline"
            from workflow_executions
           where status = 'pending'
           order by created_at, id
           limit greatest(0, ${Math.trunc(maxActive)} - (select count(*) from workflow_executions where status in ('running', 'paused')))
           for update`;
}

export interface NewLog {
  executionId: string;
  stepRunId: string | null;
  stepId: string | null;
  level: LogLevel;
  message: string;
  at: Date;
}

export function insertLogsSql(logs: readonly NewLog[] | Payload): string {
  const payload = typeof logs === 'string' ? logs : jsonLiteral(logs);
  return `insert into workflow_logs (execution_id, step_run_id, step_id, level, message, at)
          select v."executionId", v."stepRunId", v."stepId", v.level, v.message, v.at
            from jsonb_to_recordset(${payload})
              as v("executionId" uuid, "stepRunId" uuid, "stepId" text, level text, message text, at timestamptz)`;
}
