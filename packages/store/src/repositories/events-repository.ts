import type pg from 'pg';
import type { EventType } from '../schema/statuses.js';
import { assignEventPositionsSql, LOCK_EVENT_STREAM_SQL, pruneEventsSql } from '../sql/events.js';
import { roundTrip } from '../sql/round-trip.js';

/** A positioned event as the stream reads it. */
export interface EventRow {
  /** The stream position, as decimal digits (int8). */
  position: string;
  type: EventType;
  namespace: string;
  executionId: string | null;
  workflowId: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface ReadEventsOptions {
  /** Only this namespace's; undefined: every namespace's (the coordinator's shared reader filters in memory). */
  namespace?: string | undefined;
  /** Only events after this position (exclusive). */
  after: string;
  /** Only events up to this position (inclusive). */
  upTo?: string | undefined;
  executionIds?: readonly string[] | undefined;
  workflowIds?: readonly string[] | undefined;
  types?: readonly EventType[] | undefined;
  limit: number;
}

/**
 * Gives every committed event without a position its position, in insertion order, in a transaction
 * of its own serialized on the stream's row; notifies `af_events` when it assigned any. Returns how
 * many it assigned (at most `limit`: call again while it returns `limit`).
 */
export async function assignEventPositions(pool: pg.Pool, limit = 10_000): Promise<number> {
  const client = await pool.connect();
  try {
    const results = await roundTrip(client, ['begin', LOCK_EVENT_STREAM_SQL, assignEventPositionsSql(limit), 'commit']);
    return (results[2]!.rows[0] as { assigned: number }).assigned;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Deletes positioned events created before `cutoff`, oldest first, `limit` per transaction (after
 * assigning positions to what waits for one, so nothing is deleted that no reader could have had a
 * position for); `pruned_through` records the last position deleted. Returns how many it deleted.
 */
export async function pruneEvents(pool: pg.Pool, cutoff: Date, limit = 10_000): Promise<number> {
  while ((await assignEventPositions(pool, limit)) === limit);
  let total = 0;
  for (;;) {
    const client = await pool.connect();
    let deleted: number;
    try {
      const results = await roundTrip(client, ['begin', LOCK_EVENT_STREAM_SQL, pruneEventsSql(cutoff, limit), 'commit']);
      deleted = (results[2]!.rows[0] as { deleted: number }).deleted;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    total += deleted;
    if (deleted < limit) return total;
  }
}

/** The last position handed out and the last one pruned ('0' when none). */
export async function eventStreamTip(pool: pg.Pool): Promise<{ last: string; prunedThrough: string }> {
  const { rows } = await pool.query<{ last: string; prunedThrough: string }>(
    `select (next_position - 1)::text as last, pruned_through::text as "prunedThrough" from event_stream where id = 1`,
  );
  return rows[0] ?? { last: '0', prunedThrough: '0' };
}

/** Positioned events after `after` (up to `upTo`), in stream order, filtered. */
export async function readEvents(pool: pg.Pool, options: ReadEventsOptions): Promise<EventRow[]> {
  const values: unknown[] = [options.after, options.limit];
  let where = 'position > $1::bigint';
  if (options.namespace !== undefined) where += ` and namespace = $${values.push(options.namespace)}`;
  if (options.upTo !== undefined) where += ` and position <= $${values.push(options.upTo)}::bigint`;
  if (options.executionIds && options.executionIds.length > 0) where += ` and execution_id = any($${values.push(options.executionIds)}::uuid[])`;
  if (options.workflowIds && options.workflowIds.length > 0) where += ` and workflow_id = any($${values.push(options.workflowIds)}::text[])`;
  if (options.types && options.types.length > 0) where += ` and type = any($${values.push(options.types)}::text[])`;
  const { rows } = await pool.query<EventRow>({
    text: `select position::text as position, type, namespace, execution_id as "executionId", workflow_id as "workflowId", data, created_at as "createdAt"
             from events where ${where} order by events.position limit $2`,
    values,
  });
  return rows;
}
