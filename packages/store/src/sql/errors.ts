import type { RecoveryStrategyKind } from '../schema/statuses.js';
import { ALERT_EVENT_COLUMNS, alertEventsSql } from './events.js';
import { jsonLiteral } from './literal.js';

/** A final step failure, as the engine's `record-error` command reports it. */
export interface NewError {
  executionId: string;
  /** The execution's namespace, copied onto the error and its alert. */
  namespace: string;
  key: string;
  stepId: string;
  stepType: string;
  attempt: number;
  code: string;
  message: string;
  details?: Record<string, unknown> | undefined;
  strategy: RecoveryStrategyKind;
  /** An escalation's handler, carried on its alert. */
  escalationHandler?: string | undefined;
  at: Date;
}

/**
 * `insert into errors … returning …` for a payload: an escalated failure is `open` until resolved,
 * the others `closed`. The failed run's id is looked up by (execution, instance key, attempt).
 */
export function insertErrorsSql(errors: readonly NewError[] | string): string {
  const payload = typeof errors === 'string' ? errors : jsonLiteral(errors);
  return `insert into errors (execution_id, namespace, step_run_id, step_id, instance_key, attempt, step_type, code, message, details, strategy, escalation_handler, status, created_at)
          select v."executionId", v.namespace,
                 (select r.id from step_runs r where r.execution_id = v."executionId" and r.instance_key = v.key and r.attempt = v.attempt),
                 v."stepId", v.key, v.attempt, v."stepType", v.code, v.message, v.details, v.strategy, v."escalationHandler",
                 case when v.strategy = 'escalate' then 'open' else 'closed' end, v.at
            from jsonb_to_recordset(${payload})
              as v("executionId" uuid, namespace text, key text, "stepId" text, "stepType" text, attempt int, code text, message text, details jsonb, strategy text, "escalationHandler" text, at timestamptz)
          returning id, execution_id, namespace, step_id, code, message, strategy, escalation_handler, created_at`;
}

/**
 * Raises a `firing` `escalation` alert for every escalated failure among the rows of the CTE
 * `source`; returns {@link ALERT_EVENT_COLUMNS} for its event.
 */
export function escalationAlertsSql(source: string): string {
  return `insert into alerts (type, severity, message, namespace, execution_id, error_id, data, state, created_at)
          select 'escalation', 'warning',
                 'step "' || step_id || '" failed (' || code || ': ' || message || ') and waits for a decision',
                 namespace, execution_id, id, jsonb_strip_nulls(jsonb_build_object('escalationHandler', escalation_handler, 'stepId', step_id, 'code', code)), 'firing', created_at
            from ${source} where strategy = 'escalate'
          returning ${ALERT_EVENT_COLUMNS}`;
}

/**
 * The end of an escalation: for every error closed in the CTE `source` (returning `id, resolution`),
 * a `resolved` alert after its `firing` one (the same handler, so its sink hears both) and its
 * `alert:resolved` event, in the statement that closes the error.
 */
function escalationsResolvedSql(source: string): string {
  return `rslv as (insert into alerts (type, severity, message, namespace, execution_id, error_id, data, state)
                   select a.type, 'info', 'resolved (' || coalesce(c.resolution ->> 'action', 'closed') || '): ' || a.message, a.namespace, a.execution_id, a.error_id,
                          coalesce(a.data, '{}'::jsonb) || jsonb_build_object('alertId', a.id, 'resolution', c.resolution), 'resolved'
                     from ${source} c join alerts a on a.error_id = c.id and a.type = 'escalation' and a.state is distinct from 'resolved'
                   returning ${ALERT_EVENT_COLUMNS})
          ${alertEventsSql('rslv', 'alert:resolved')}`;
}

/** Errors, their alerts and the alerts' `alert:created` events as one statement, for a multi-statement round trip. */
export function recordErrorsSql(errors: readonly NewError[]): string {
  return `with errs as (${insertErrorsSql(errors)}), alrt as (${escalationAlertsSql('errs')}) ${alertEventsSql('alrt', 'alert:created')}`;
}

/** Closes resolved errors, only while still open (a second resolution changes nothing), and resolves their escalation alerts. */
export function resolveErrorsSql(resolved: readonly { id: string; resolution: unknown }[]): string {
  return `with closed as (update errors as e set status = 'closed', resolution = v.resolution, resolved_at = clock_timestamp()
                        from jsonb_to_recordset(${jsonLiteral(resolved)}) as v(id uuid, resolution jsonb)
                       where e.id = v.id and e.status = 'open'
                   returning e.id, e.resolution),
          ${escalationsResolvedSql('closed')}`;
}

/** Closes the open (escalated) errors of cancelled executions — nobody is waiting on them any more — and resolves their alerts. */
export function closeOpenErrorsSql(executionIds: readonly string[]): string {
  return `with closed as (update errors set status = 'closed', resolution = '{"action":"cancel"}'::jsonb, resolved_at = clock_timestamp()
                       where execution_id in (select value::uuid from jsonb_array_elements_text(${jsonLiteral(executionIds)})) and status = 'open'
                   returning id, resolution),
          ${escalationsResolvedSql('closed')}`;
}
