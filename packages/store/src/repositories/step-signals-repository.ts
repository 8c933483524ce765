import type pg from 'pg';
import { postponeStepSignalsSql } from '../sql/step-signals.js';

/** An execution with signals due, and when its oldest fell due. */
export interface DueSignalExecution {
  executionId: string;
  dueAt: Date;
}

/**
 * The executions with signals due now, oldest due first, at most `limit`: the candidates of one
 * poll. Reads without locking; each is then claimed in a transaction of its own
 * (`lockExecutionWithSignalsSql`), where `SKIP LOCKED` sorts out coordinators that picked the same.
 */
export async function dueSignalExecutions(pool: pg.Pool, limit: number): Promise<DueSignalExecution[]> {
  const { rows } = await pool.query<DueSignalExecution>(
    `select execution_id as "executionId", min(due_at) as "dueAt"
       from step_signals
      where due_at <= clock_timestamp()
      group by execution_id
      order by min(due_at)
      limit $1`,
    [limit],
  );
  return rows;
}

/** How many signals wait (due or not): the `af_step_signals_pending` gauge. */
export async function pendingSignalCount(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from step_signals');
  return rows[0]?.n ?? 0;
}

/** Postpones signals outside any transition: ones whose delivery keeps failing are tried again later. */
export async function postponeStepSignals(pool: pg.Pool, ids: readonly string[], delayMs: number): Promise<void> {
  if (ids.length > 0) await pool.query(postponeStepSignalsSql(ids, delayMs));
}
