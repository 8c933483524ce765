import type pg from 'pg';
import { InvalidCursorError, decodeCursor, uuidKey } from '../repositories/keyset-cursor.js';

type Queryable = Pick<pg.Pool, 'query'>;

export const ALERT_SINK_FORMATS = ['json', 'slack'] as const;
export type AlertSinkFormat = (typeof ALERT_SINK_FORMATS)[number];
export const ALERT_DELIVERY_STATUSES = ['pending', 'queued', 'delivered', 'failed'] as const;
export type AlertDeliveryStatus = (typeof ALERT_DELIVERY_STATUSES)[number];

/** A webhook alerts are sent to. `secretName` names a secret of the coordinators' (its value is never stored). */
export interface AlertSinkRow {
  namespace: string;
  name: string;
  url: string;
  events: string[];
  alertTypes: string[] | null;
  secretName: string | null;
  format: AlertSinkFormat;
  createdAt: Date;
  updatedAt: Date;
}

export interface AlertDeliveryRow {
  id: string;
  namespace: string;
  sinkName: string;
  alertId: string;
  event: string;
  status: AlertDeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
}

const SINK_COLUMNS = `namespace, name, url, events, alert_types as "alertTypes", secret_name as "secretName", format, created_at as "createdAt", updated_at as "updatedAt"`;
const DELIVERY_COLUMNS = `id, namespace, sink_name as "sinkName", alert_id as "alertId", event, status, attempts, response_status as "responseStatus", last_error as "lastError",
  created_at as "createdAt", updated_at as "updatedAt", delivered_at as "deliveredAt"`;

export async function upsertAlertSink(db: Queryable, sink: Omit<AlertSinkRow, 'createdAt' | 'updatedAt'>): Promise<AlertSinkRow> {
  const { rows } = await db.query<AlertSinkRow>(
    `insert into alert_sinks (namespace, name, url, events, alert_types, secret_name, format) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (namespace, name) do update set url = excluded.url, events = excluded.events, alert_types = excluded.alert_types,
              secret_name = excluded.secret_name, format = excluded.format, updated_at = now()
     returning ${SINK_COLUMNS}`,
    [sink.namespace, sink.name, sink.url, sink.events, sink.alertTypes, sink.secretName, sink.format],
  );
  return rows[0]!;
}

export async function listAlertSinks(db: Queryable, namespace: string): Promise<AlertSinkRow[]> {
  return (await db.query<AlertSinkRow>(`select ${SINK_COLUMNS} from alert_sinks where namespace = $1 order by name`, [namespace])).rows;
}

export async function findAlertSink(db: Queryable, namespace: string, name: string): Promise<AlertSinkRow | undefined> {
  return (await db.query<AlertSinkRow>(`select ${SINK_COLUMNS} from alert_sinks where namespace = $1 and name = $2`, [namespace, name])).rows[0];
}

export async function deleteAlertSink(db: Queryable, namespace: string, name: string): Promise<boolean> {
  return ((await db.query(`delete from alert_sinks where namespace = $1 and name = $2`, [namespace, name])).rowCount ?? 0) > 0;
}

/** Deliveries of a sink, newest first. */
/** A sink's deliveries, newest first; after `cursor` (`encodeCursor(createdAt, [id])` of the previous page's last row) when given. */
export async function listAlertDeliveries(db: Queryable, namespace: string, sinkName: string, limit: number, cursor?: string): Promise<AlertDeliveryRow[]> {
  const position = cursor === undefined ? undefined : decodeCursor(cursor, [uuidKey]);
  if (position === null) throw new InvalidCursorError();
  const after = position ? ' and (created_at, id) < ($4, $5::uuid)' : '';
  const values: unknown[] = [namespace, sinkName, limit, ...(position ? [position.createdAt, position.keys[0]] : [])];
  return (
    await db.query<AlertDeliveryRow>(
      `select ${DELIVERY_COLUMNS} from alert_deliveries where namespace = $1 and sink_name = $2${after} order by created_at desc, id desc limit $3`,
      values,
    )
  ).rows;
}

/** What one delivery sends: the delivery, its sink and its alert. */
export interface DeliveryWork {
  delivery: AlertDeliveryRow;
  sink: AlertSinkRow | undefined;
  alert:
    | {
        id: string;
        type: string;
        severity: string;
        message: string;
        namespace: string;
        executionId: string | null;
        errorId: string | null;
        data: unknown;
        state: string | null;
        createdAt: Date;
      }
    | undefined;
}

export async function loadDeliveryWork(db: Queryable, id: string): Promise<DeliveryWork | undefined> {
  const { rows } = await db.query<AlertDeliveryRow>(`select ${DELIVERY_COLUMNS} from alert_deliveries where id = $1`, [id]);
  const delivery = rows[0];
  if (!delivery) return undefined;
  const [sink, alert] = await Promise.all([
    findAlertSink(db, delivery.namespace, delivery.sinkName),
    db
      .query<NonNullable<DeliveryWork['alert']>>(
        `select id, type, severity, message, namespace, execution_id as "executionId", error_id as "errorId", data, state, created_at as "createdAt" from alerts where id = $1`,
        [delivery.alertId],
      )
      .then((r) => r.rows[0]),
  ]);
  return { delivery, sink, alert };
}

/** Takes up to `limit` pending deliveries and marks them queued (the caller enqueues their jobs under their ids). */
export async function claimPendingDeliveries(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `update alert_deliveries set status = 'queued', updated_at = now()
      where id in (select id from alert_deliveries where status = 'pending' order by created_at limit $1 for update skip locked)
      returning id`,
    [limit],
  );
  return rows.map((row) => row.id);
}

/** Puts deliveries back to pending (their jobs could not be enqueued). */
export async function releaseDeliveries(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length > 0)
    await db.query(`update alert_deliveries set status = 'pending', updated_at = now() where id = any($1::uuid[]) and status = 'queued'`, [ids]);
}

/** Records one attempt's outcome. `final`: no attempt follows (delivered, or the last one failed). */
export async function recordDeliveryAttempt(
  db: Queryable,
  id: string,
  outcome: { delivered: boolean; final: boolean; responseStatus?: number | undefined; error?: string | undefined },
): Promise<void> {
  await db.query(
    `update alert_deliveries set attempts = attempts + 1, response_status = $2, last_error = $3, updated_at = now(),
            status = case when $4 then 'delivered' when $5 then 'failed' else 'queued' end,
            delivered_at = case when $4 then now() else delivered_at end
      where id = $1`,
    [id, outcome.responseStatus ?? null, outcome.delivered ? null : (outcome.error ?? null), outcome.delivered, outcome.final],
  );
}
