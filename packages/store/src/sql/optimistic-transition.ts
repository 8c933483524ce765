import type pg from 'pg';
import { escalationAlertsSql, insertErrorsSql, type NewError } from './errors.js';
import { alertEventsSql, insertEventsSql, type NewEvent } from './events.js';
import { insertStepSignalsSql, type NewStepSignal } from './step-signals.js';
import { deleteNodesSql, deleteOtherNodesSql, upsertNodesSql } from './execution-nodes.js';
import {
  completeStepRunsSql,
  completionsPayload,
  executionsPayload,
  insertLogsSql,
  nodeWritesOf,
  stepRunsPayload,
  updateExecutionsSql,
  upsertStepRunsSql,
  type ExecutionUpdate,
  type NewLog,
  type StepRunCompletion,
  type StepRunWrite,
} from './statements.js';

export interface OptimisticTransition {
  completions: readonly StepRunCompletion[];
  /** New states, each with the version it was computed from. */
  executions: readonly ExecutionUpdate[];
  stepRuns: readonly StepRunWrite[];
  logs: readonly NewLog[];
  errors: readonly NewError[];
  /** The stream's events about this transition, inserted by the same statement. */
  events?: readonly NewEvent[];
  /** Step signals the new states asked for (a wait's timer), inserted by the same statement. */
  signals?: readonly NewStepSignal[];
}

/** The message `af_assert` raises when the guard fails: the caller falls back to the locking path. */
export const STALE_TRANSITION = 'af: stale transition';

/**
 * A whole transition as ONE statement, for a coordinator that already holds the executions'
 * states: data-modifying CTEs record the results, write the states over their expected versions,
 * insert the new runs and the logs; the final `af_assert` aborts everything unless every result
 * matched an in-flight run and every execution was still at the version the states were computed
 * from. No `SELECT … FOR UPDATE` round trip: the version check is the lock. The text never changes
 * (the rows are ten jsonb parameters, empty arrays included), so it is prepared once per
 * connection and PostgreSQL skips parsing and planning afterwards.
 */
// The execution rows are written first, as the locking path locks them first: the same lock order
// everywhere, so a concurrent lifecycle change cannot deadlock with this statement.
const TEXT = `with exec as (${updateExecutionsSql('$2::jsonb')}),
     done as (${completeStepRunsSql('$1::jsonb', false)}),
     runs as (${upsertStepRunsSql('$3::jsonb')}),
     logs as (${insertLogsSql('$4::jsonb')}),
     errs as (${insertErrorsSql('$5::jsonb')}),
     alrt as (${escalationAlertsSql('errs')}),
     aevt as (${alertEventsSql('alrt', 'alert:created')}),
     evts as (${insertEventsSql('$6::jsonb')}),
     sigs as (${insertStepSignalsSql('$7::jsonb')}),
     nset as (${upsertNodesSql('$8::jsonb')}),
     ngone as (${deleteNodesSql('$9::jsonb')}),
     nrest as (${deleteOtherNodesSql('$10::jsonb', '$8::jsonb')})
select af_assert((select count(*) from exec) = jsonb_array_length($2::jsonb)
                 and (select count(*) from done) = jsonb_array_length($1::jsonb), '${STALE_TRANSITION}') as ok,
       (select coalesce(json_agg(exec), '[]'::json) from exec) as versions,
       (select coalesce(json_agg(runs), '[]'::json) from runs) as runs`;

export function optimisticTransitionQuery(t: OptimisticTransition): pg.QueryConfig {
  const nodes = nodeWritesOf(t.executions);
  return {
    name: 'af_optimistic_transition_v8',
    text: TEXT,
    values: [
      JSON.stringify(completionsPayload(t.completions)),
      executionsPayload(t.executions),
      JSON.stringify(stepRunsPayload(t.stepRuns)),
      JSON.stringify(t.logs),
      JSON.stringify(t.errors),
      JSON.stringify(t.events ?? []),
      JSON.stringify(t.signals ?? []),
      JSON.stringify(nodes.set),
      JSON.stringify(nodes.removed),
      JSON.stringify(nodes.replaced),
    ],
  };
}
