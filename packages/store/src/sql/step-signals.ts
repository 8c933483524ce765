import { jsonLiteral } from './literal.js';
import type { Payload } from './statements.js';

/** A step signal to deliver when due (the engine's `schedule-signal`), written with the transition that asked for it. */
export interface NewStepSignal {
  executionId: string;
  instanceKey: string;
  attempt: number;
  /** The engine's `StepSignal`. */
  signal: unknown;
  dueAt: Date;
  /**
   * A child execution's settlement for its parent: `executionId` is the child's, and the row goes to
   * its parent's step run (`parent_execution_id`, `parent_instance_key`, `parent_attempt`), read in
   * the same statement, so it names the attempt waiting for the child when the child settles.
   * `instanceKey` and `attempt` are not used. A child without a parent (its parent deleted) writes nothing.
   */
  toParent?: boolean;
}

/** A due signal claimed by the transaction that applies it. */
export interface ClaimedStepSignal {
  id: string;
  executionId: string;
  instanceKey: string;
  attempt: number;
  signal: unknown;
  /** ISO time (it comes back inside JSON). */
  dueAt: string;
}

export function insertStepSignalsSql(rows: readonly NewStepSignal[] | Payload): string {
  const payload = typeof rows === 'string' ? rows : jsonLiteral(rows);
  return `insert into step_signals (execution_id, instance_key, attempt, signal, due_at)
          select coalesce(c.parent_execution_id, v."executionId"), coalesce(c.parent_instance_key, v."instanceKey"),
                 coalesce(c.parent_attempt, v.attempt), v.signal, v."dueAt"
            from jsonb_to_recordset(${payload})
              as v("executionId" uuid, "instanceKey" text, attempt int, signal jsonb, "dueAt" timestamptz, "toParent" boolean)
            left join workflow_executions c on v."toParent" and c.id = v."executionId"
           where v."toParent" is not true or c.parent_execution_id is not null`;
}

/**
 * Claims execution `executionId`'s due signals (at most `limit`, oldest first) and locks the
 * execution for the transaction that applies them, in one statement, whose one row is the
 * execution (as `lockExecutionsSql` returns it) with its claimed signals in `signals`. The signals are
 * claimed first, `FOR UPDATE SKIP LOCKED`: another coordinator applying them already (or a
 * transaction of it that has not committed the delete) makes this one find none, and then the
 * execution is not locked at all and no row comes back, so coordinators polling together never
 * queue up behind each other's executions. `only`: just these rows (ids), due ones among them.
 */
export function lockExecutionWithSignalsSql(executionId: string, limit: number, only?: readonly string[]): string {
  const id = `${jsonLiteral(executionId)} #>> '{}'`;
  const among = only === undefined ? '' : ` and id in (select value::bigint from jsonb_array_elements_text(${jsonLiteral(only)}))`;
  return `with due as (
            select id::text, execution_id as "executionId", instance_key as "instanceKey", attempt, signal, due_at as "dueAt"
              from step_signals
             where execution_id = (${id})::uuid and due_at <= clock_timestamp()${among}
             order by due_at, id
             limit ${Math.max(1, Math.trunc(limit))}
               for update skip locked)
          select e.id, e.namespace, e.workflow_id as "workflowId", e.workflow_version as "workflowVersion", e.status, e.state, e.version,
                 e.state ? 'nodes' as "nodesInline",
                 (select json_agg(due order by due."dueAt", due.id) from due) as signals
            from workflow_executions e
           where e.id = (${id})::uuid and exists (select 1 from due)
             for update of e`;
}

export function deleteStepSignalsSql(ids: readonly string[]): string {
  return `delete from step_signals where id in (select value::bigint from jsonb_array_elements_text(${jsonLiteral(ids)}))`;
}

/** Moves signals' due time to `delayMs` from now: a delivery that failed is tried again later, never dropped. */
export function postponeStepSignalsSql(ids: readonly string[], delayMs: number): string {
  return `update step_signals set due_at = clock_timestamp() + make_interval(secs => ${Math.max(0, Math.trunc(delayMs))} / 1000.0)
           where id in (select value::bigint from jsonb_array_elements_text(${jsonLiteral(ids)}))`;
}
