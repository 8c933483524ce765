import { appendAuditSql, type AuditEntry } from '../sql/audit.js';
import { ALERT_EVENT_COLUMNS, alertEventsSql } from '../sql/events.js';
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

/** The cluster's monitor settings (one row): thresholds as stored, and the leader's evaluation interval. */
export interface MonitorSettingsRow {
  thresholds: Record<string, number>;
  intervalMs: number;
  updatedAt: Date;
}

export async function readMonitorSettings(db: Queryable): Promise<MonitorSettingsRow> {
  const { rows } = await db.query<{ thresholds: Record<string, number>; interval_ms: number; updated_at: Date }>(
    `select thresholds, interval_ms, updated_at from monitor_settings where id = 1`,
  );
  const row = rows[0];
  return row
    ? { thresholds: row.thresholds, intervalMs: row.interval_ms, updatedAt: row.updated_at }
    : { thresholds: {}, intervalMs: 30_000, updatedAt: new Date(0) };
}

/** Merges `thresholds` into the stored ones (a key set to null is removed) and/or sets the interval. */
export async function updateMonitorSettings(
  db: Queryable,
  change: { thresholds?: Record<string, number | null>; intervalMs?: number },
): Promise<MonitorSettingsRow> {
  const { rows } = await db.query<{ thresholds: Record<string, number>; interval_ms: number; updated_at: Date }>(
    `insert into monitor_settings (id, thresholds, interval_ms) values (1, jsonb_strip_nulls(coalesce($1::jsonb, '{}')), coalesce($2::int, 30000))
       on conflict (id) do update set thresholds = jsonb_strip_nulls(monitor_settings.thresholds || coalesce($1::jsonb, '{}')),
              interval_ms = coalesce($2::int, monitor_settings.interval_ms), updated_at = now()
     returning thresholds, interval_ms, updated_at`,
    [change.thresholds === undefined ? null : JSON.stringify(change.thresholds), change.intervalMs ?? null],
  );
  const row = rows[0]!;
  return { thresholds: row.thresholds, intervalMs: row.interval_ms, updatedAt: row.updated_at };
}

/** A condition the leader found true this interval. `namespace` '*' for the cluster's. */
export interface ObservedCondition {
  namespace: string;
  /** Stable while the condition lasts, e.g. `error-rate` or `no-worker:agent-task`. */
  key: string;
  type: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  data?: Record<string, unknown>;
}

export interface ConditionChanges {
  started: ObservedCondition[];
  ended: { namespace: string; key: string }[];
}

/**
 * Hysteresis: compares what holds now with the conditions stored as holding, in one transaction.
 * A condition that starts gets a row and one alert (`state` 'firing') with its `alert:created`
 * event; one that ended loses its row and gets one alert (`state` 'resolved', severity info) with its
 * `alert:resolved` event; one that goes on writes nothing. Only the
 * keys under `scopes` (namespace → key prefixes evaluated this pass) can end, so a pass that did not
 * look at something (Redis did not answer) does not resolve it.
 */
export async function applyConditions(
  pool: pg.Pool,
  observed: readonly ObservedCondition[],
  evaluated: (namespace: string, key: string) => boolean,
): Promise<ConditionChanges> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    // One pass at a time, whichever coordinator runs it.
    await client.query(`select pg_advisory_xact_lock(7018401992827957861)`);
    const { rows: stored } = await client.query<{ namespace: string; key: string; data: Record<string, unknown> | null }>(
      `select namespace, key, data from monitor_conditions`,
    );
    const holding = new Set(stored.map((row) => `${row.namespace}\u0000${row.key}`));
    const now = new Set(observed.map((c) => `${c.namespace}\u0000${c.key}`));
    const started = observed.filter((c) => !holding.has(`${c.namespace}\u0000${c.key}`));
    const ended = stored.filter((row) => !now.has(`${row.namespace}\u0000${row.key}`) && evaluated(row.namespace, row.key));
    if (started.length > 0) {
      await client.query(
        `with v as (select * from jsonb_to_recordset($1::jsonb) as v(namespace text, key text, type text, severity text, message text, data jsonb)),
              a as (insert into alerts (type, severity, message, namespace, data, condition, state)
                    select type, severity, message, namespace, data, key, 'firing' from v returning ${ALERT_EVENT_COLUMNS}, condition),
              c as (insert into monitor_conditions (namespace, key, alert_id, data) select namespace, condition, id, data from a)
         ${alertEventsSql('a', 'alert:created')}`,
        [JSON.stringify(started.map((c) => ({ ...c, data: { ...(c.data ?? {}), condition: c.key } })))],
      );
    }
    if (ended.length > 0) {
      await client.query(
        `with v as (select * from jsonb_to_recordset($1::jsonb) as v(namespace text, key text)),
              d as (delete from monitor_conditions c using v where c.namespace = v.namespace and c.key = v.key returning c.namespace, c.key, c.alert_id, c.since, c.data),
              r as (insert into alerts (type, severity, message, namespace, data, condition, state)
                    select a.type, 'info', 'resolved: ' || a.message, d.namespace, coalesce(d.data, '{}'::jsonb) || jsonb_build_object('alertId', d.alert_id, 'since', d.since), d.key, 'resolved'
                      from d join alerts a on a.id = d.alert_id
                    returning ${ALERT_EVENT_COLUMNS})
         ${alertEventsSql('r', 'alert:resolved')}`,
        [JSON.stringify(ended.map((row) => ({ namespace: row.namespace, key: row.key })))],
      );
    }
    await client.query('commit');
    return { started, ended: ended.map((row) => ({ namespace: row.namespace, key: row.key })) };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The namespaces that exist (threshold conditions are evaluated in each). */
export async function namespaceNames(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(`select name from namespaces order by name`);
  return rows.map((row) => row.name);
}

/**
 * Runs `change` in a transaction on one pooled connection and appends `audit` (if any) to the audit
 * log in the same transaction, last (its lock is held until commit), like `runInTransactionWithAudit`.
 */
export async function runPoolTransactionWithAudit<T>(pool: pg.Pool, audit: AuditEntry | undefined, change: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const value = await change(client);
    for (const statement of appendAuditSql(audit === undefined ? [] : [audit])) await client.query(statement);
    await client.query('commit');
    return value;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
