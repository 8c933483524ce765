import type { EventType } from '../schema/statuses.js';
import { jsonLiteral } from './literal.js';

/** An event a transition writes with the change it describes (see `TransitionWrites.events`). */
export interface NewEvent {
  namespace: string;
  type: EventType;
  executionId: string | null;
  workflowId: string | null;
  data: Record<string, unknown>;
}

/**
 * `insert into events …` for a payload (a literal or a `$n::jsonb` parameter). Rows are inserted
 * in the payload's order, so their ids — and so their stream positions — follow it.
 */
export function insertEventsSql(events: readonly NewEvent[] | string): string {
  const payload = typeof events === 'string' ? events : jsonLiteral(events);
  return `insert into events (namespace, type, execution_id, workflow_id, data)
          select v.namespace, v.type, v."executionId", v."workflowId", v.data
            from rows from (jsonb_to_recordset(${payload}) as (namespace text, type text, "executionId" uuid, "workflowId" text, data jsonb)) with ordinality
              as v(namespace, type, "executionId", "workflowId", data, n)
           order by v.n`;
}

/** The columns an alert's event is built from: `returning` these from an `insert into alerts` (or an update) and pass its CTE name to {@link alertEventsSql}. */
export const ALERT_EVENT_COLUMNS = 'id, type, severity, message, namespace, execution_id, data';

/**
 * The event writer for alerts: one `alert:created` (or `alert:resolved`) event per row of `source`,
 * a CTE or table returning {@link ALERT_EVENT_COLUMNS}. Put it in the statement that writes the
 * alerts, so each event commits with its alert.
 *
 * @example
 * `with alrt as (insert into alerts … returning ${ALERT_EVENT_COLUMNS}) ${alertEventsSql('alrt', 'alert:created')}`
 */
export function alertEventsSql(source: string, type: 'alert:created' | 'alert:resolved'): string {
  return `insert into events (namespace, type, execution_id, workflow_id, data)
          select a.namespace, '${type}', a.execution_id,
                 (select e.workflow_id from workflow_executions e where e.id = a.execution_id),
                 jsonb_strip_nulls(jsonb_build_object('alertId', a.id, 'alertType', a.type, 'severity', a.severity, 'message', a.message, 'details', a.data))
            from ${source} a`;
}

/**
 * Hands out stream positions to every committed event without one, in `id` order, up to `limit`
 * (run after {@link LOCK_EVENT_STREAM_SQL} in the same transaction, so one assigner at a time,
 * each seeing what the one before committed), and notifies `af_events` when it assigned any.
 */
export function assignEventPositionsSql(limit: number): string {
  return `with batch as (select id, row_number() over (order by id) - 1 as n from events where position is null order by id limit ${Math.trunc(limit)}),
               head as (select next_position as p from event_stream where id = 1),
               upd as (update events e set position = head.p + b.n from batch b, head where e.id = b.id returning e.position),
               adv as (update event_stream s set next_position = s.next_position + (select count(*) from batch)
                        where s.id = 1 and exists (select 1 from batch) returning s.next_position)
          select (select count(*) from upd)::int as assigned,
                 (select max(next_position) - 1 from adv) as last,
                 (select pg_notify('${EVENTS_CHANNEL}', (select max(next_position) - 1 from adv)::text) where exists (select 1 from adv)) as notified`;
}

/** The channel an assigner notifies with the last position it handed out. */
export const EVENTS_CHANNEL = 'af_events';

/** Serializes assigners (and the pruner) on the stream's one row. */
export const LOCK_EVENT_STREAM_SQL = 'select next_position from event_stream where id = 1 for update';

/**
 * Deletes the oldest positioned events created before `cutoff`, at most `limit` of them, and
 * raises `pruned_through` to the last position deleted. Positions follow commit order, which
 * follows time: the cut is the last position older than the cutoff among the first `limit`.
 */
export function pruneEventsSql(cutoff: Date, limit: number): string {
  return `with first as (select position, created_at from events where position is not null order by position limit ${Math.trunc(limit)}),
               cut as (select max(position) as p from first where created_at < '${cutoff.toISOString()}'::timestamptz),
               del as (delete from events where position is not null and position <= (select p from cut) returning position),
               upd as (update event_stream set pruned_through = greatest(pruned_through, (select max(position) from del))
                        where id = 1 and exists (select 1 from del) returning 1)
          select (select count(*) from del)::int as deleted`;
}
