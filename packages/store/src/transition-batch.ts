import type pg from 'pg';
import { STALE_TRANSITION, optimisticTransitionQuery, type OptimisticTransition } from './sql/optimistic-transition.js';
import { roundTrip } from './sql/round-trip.js';
import { deleteNodesSql, deleteOtherNodesSql, isHeld, nodesOfSql, upsertNodesSql, withNodes, type HeldState, type NodeWrites } from './sql/execution-nodes.js';
import { jsonLiteral } from './sql/literal.js';
import { snapshotSql } from './sql/snapshot.js';
import { appendAuditSql, type AuditEntry } from './sql/audit.js';
import { insertEventsSql, type NewEvent } from './sql/events.js';
import { claimIdempotencyKeysSql, type NewIdempotencyKey } from './sql/idempotency-keys.js';
import { deleteStepSignalsSql, insertStepSignalsSql, type NewStepSignal } from './sql/step-signals.js';
import { closeOpenErrorsSql, recordErrorsSql, resolveErrorsSql, type NewError } from './sql/errors.js';
import {
  completeStepRunsSql,
  insertExecutionsSql,
  insertLogsSql,
  lockExecutionsSql,
  nodeWritesOf,
  updateExecutionsSql,
  upsertStepRunsSql,
  type ExecutionUpdate,
  type ExecutionVersion,
  type LockedExecution,
  type NewExecution,
  type NewLog,
  type StepRunCompletion,
  type StepRunKey,
  type StepRunWrite,
} from './sql/statements.js';

export interface TransitionReads {
  /** The executions locked for this transaction (unknown ids left out). */
  executions: LockedExecution[];
  /** The step runs the completions changed: the results to apply. */
  completed: StepRunKey[];
}

export interface TransitionWrites {
  /** Snapshots of executions' stored state taken before anything else is written (e.g. before a restore). */
  snapshotsBefore?: readonly { executionId: string; kind: 'manual' | 'auto' | 'restore' }[];
  newExecutions?: readonly NewExecution[];
  /** The `Idempotency-Key`s the new executions were started with: a key already taken aborts the whole transaction. */
  idempotencyKeys?: readonly NewIdempotencyKey[];
  stepRuns: readonly StepRunWrite[];
  executions: readonly ExecutionUpdate[];
  logs: readonly NewLog[];
  /** Final step failures (and, for escalations, their alerts). */
  errors?: readonly NewError[];
  /** Errors an operator resolved in this transaction. */
  resolvedErrors?: readonly { id: string; resolution: unknown }[];
  /** Executions cancelled in this transaction: their open errors close. */
  closeOpenErrorsOf?: readonly string[];
  /**
   * The stream's events about the changes this transaction writes: inserted by it, so an event
   * exists exactly when its change committed (joined to the same round trip, no statement of its own
   * on the one-statement path).
   */
  events?: readonly NewEvent[];
  /**
   * Step signals the new states asked for (`schedule-signal`: a wait's timer), written with them: a
   * state waiting on a signal is never committed without its signal's row.
   */
  signals?: readonly NewStepSignal[];
  /** Signals (`step_signals` ids) this transaction applied: deleted with the states they changed. */
  appliedSignals?: readonly string[];
  /** The API calls this transaction carries out, recorded with it (last: the audit lock is held until commit). */
  audit?: readonly AuditEntry[];
}

/** The statements writing node rows, after the executions' rows they reference; none when nothing changed. */
function nodeStatements(writes: NodeWrites): string[] {
  const statements: string[] = [];
  const set = jsonLiteral(writes.set);
  if (writes.replaced.length > 0) statements.push(deleteOtherNodesSql(jsonLiteral(writes.replaced), set));
  if (writes.removed.length > 0) statements.push(deleteNodesSql(jsonLiteral(writes.removed)));
  if (writes.set.length > 0) statements.push(upsertNodesSql(set));
  return statements;
}

function writeStatements(writes: TransitionWrites): { statements: string[]; upsertIndex: number; updateIndex: number } {
  const statements: string[] = [];
  for (const snapshot of writes.snapshotsBefore ?? []) statements.push(snapshotSql(snapshot.executionId, snapshot.kind));
  if (writes.newExecutions && writes.newExecutions.length > 0) statements.push(insertExecutionsSql(writes.newExecutions));
  // Right after its execution (the foreign key), before anything else is written: a taken key aborts early.
  if (writes.idempotencyKeys && writes.idempotencyKeys.length > 0) statements.push(claimIdempotencyKeysSql(writes.idempotencyKeys));
  const upsertIndex = writes.stepRuns.length > 0 ? statements.push(upsertStepRunsSql(writes.stepRuns)) - 1 : -1;
  const updateIndex = writes.executions.length > 0 ? statements.push(updateExecutionsSql(writes.executions)) - 1 : -1;
  statements.push(...nodeStatements(nodeWritesOf(writes.executions, writes.newExecutions)));
  if (writes.logs.length > 0) statements.push(insertLogsSql(writes.logs));
  if (writes.errors && writes.errors.length > 0) statements.push(recordErrorsSql(writes.errors));
  if (writes.resolvedErrors && writes.resolvedErrors.length > 0) statements.push(resolveErrorsSql(writes.resolvedErrors));
  if (writes.closeOpenErrorsOf && writes.closeOpenErrorsOf.length > 0) statements.push(closeOpenErrorsSql(writes.closeOpenErrorsOf));
  if (writes.events && writes.events.length > 0) statements.push(insertEventsSql(writes.events));
  if (writes.signals && writes.signals.length > 0) statements.push(insertStepSignalsSql(writes.signals));
  if (writes.appliedSignals && writes.appliedSignals.length > 0) statements.push(deleteStepSignalsSql(writes.appliedSignals));
  if (writes.audit) statements.push(...appendAuditSql(writes.audit));
  return { statements, upsertIndex, updateIndex };
}

export interface TransitionOutcome {
  /** Keys of the step runs written (existing ids on conflict): jobs are enqueued under them. */
  stepRuns: StepRunKey[];
  /** The executions' new versions. */
  versions: ExecutionVersion[];
}

/**
 * One transition of many executions in one transaction and two round trips: `BEGIN`, lock the
 * executions and record the worker results; then — after `decide` ran the engine in memory —
 * write step runs, executions and logs, and `COMMIT`. Returns the keys of the step runs written
 * (existing ids on conflict), so jobs are enqueued under the ids PostgreSQL holds.
 */
export async function runTransition<T>(
  pool: pg.Pool,
  reads: {
    lock: readonly string[];
    complete: readonly StepRunCompletion[];
    /** Instead of `lock`: a statement that locks and returns the executions (admission). */
    lockSql?: string;
    /** Statements to run first in the transaction (a transaction-level advisory lock). */
    preamble?: readonly string[];
    /**
     * States the caller holds, by execution id: a row locked at the held version is given that
     * state (changed in place by the caller's engine, so the caller hands it over), its nodes unread.
     */
    held?: ReadonlyMap<string, HeldState>;
  },
  decide: (reads: TransitionReads) => Promise<{ writes: TransitionWrites; value: T }>,
): Promise<TransitionOutcome & { value: T }> {
  const client = await pool.connect();
  let open = false;
  try {
    const first = ['begin', ...(reads.preamble ?? [])];
    const lockSql = reads.lockSql ?? (reads.lock.length > 0 ? lockExecutionsSql(reads.lock) : undefined);
    const lockIndex = lockSql === undefined ? -1 : first.push(lockSql) - 1;
    // The nodes by a statement of their own, after the lock is held (`nodesOfSql` says why); in the
    // same round trip when the ids are known, else in one more.
    const heldPayload = reads.held && reads.held.size > 0 ? jsonLiteral([...reads.held].map(([id, { version }]) => ({ id, version }))) : undefined;
    const nodesIndex = lockSql !== undefined && reads.lock.length > 0 ? first.push(nodesOfSql(jsonLiteral(reads.lock), heldPayload)) - 1 : -1;
    if (reads.complete.length > 0) first.push(completeStepRunsSql(reads.complete));
    open = true;
    const results = await roundTrip(client, first);
    const locked = lockIndex === -1 ? [] : (results[lockIndex]!.rows as LockedExecution[]);
    // Locked by `lockSql`: now that the rows are known, only the ones whose nodes are neither held nor inline.
    const unread = nodesIndex === -1 ? locked.filter((row) => !row.nodesInline && !isHeld(row, reads.held)) : [];
    const nodes =
      nodesIndex !== -1 ? results[nodesIndex]!.rows : unread.length > 0 ? (await client.query(nodesOfSql(jsonLiteral(unread.map((row) => row.id))))).rows : [];
    const executions = withNodes(locked, nodes as { id: string; nodes: Record<string, unknown> }[], reads.held);
    const completed = reads.complete.length > 0 ? (results.at(-1)!.rows as StepRunKey[]) : [];
    const { writes, value } = await decide({ executions, completed });
    const { statements, upsertIndex, updateIndex } = writeStatements(writes);
    const written = await roundTrip(client, [...statements, 'commit']);
    open = false;
    return {
      value,
      stepRuns: upsertIndex === -1 ? [] : (written[upsertIndex]!.rows as StepRunKey[]),
      versions: updateIndex === -1 ? [] : (written[updateIndex]!.rows as ExecutionVersion[]),
    };
  } catch (error) {
    if (open) await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * A transition computed from states the caller already holds, in one statement and one round trip
 * (see `optimisticTransitionQuery`). Resolves `null` when it was stale — another coordinator moved an
 * execution on, or a result was a duplicate — and nothing was written: then use {@link runTransition}.
 */
export async function runOptimisticTransition(pool: pg.Pool, transition: OptimisticTransition): Promise<TransitionOutcome | null> {
  try {
    const { rows } = await pool.query<{ versions: ExecutionVersion[]; runs: StepRunKey[] }>(optimisticTransitionQuery(transition));
    return { stepRuns: rows[0]!.runs, versions: rows[0]!.versions };
  } catch (error) {
    if ((error as { message?: string }).message === STALE_TRANSITION) return null;
    throw error;
  }
}

/** Writes with no reads before them, in one round trip and one (implicit) transaction. */
export async function runWrites(pool: pg.Pool, writes: TransitionWrites): Promise<StepRunKey[]> {
  const { statements, upsertIndex } = writeStatements(writes);
  const results = await roundTrip(pool, statements);
  return upsertIndex === -1 ? [] : (results[upsertIndex]!.rows as StepRunKey[]);
}
