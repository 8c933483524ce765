import { bigint, check, index, jsonb, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { oneOf } from './one-of.js';
import { EVENT_TYPES } from './statuses.js';

/**
 * The durable event stream. A row is inserted by the transaction whose change it describes (so an
 * event exists exactly when its change committed). `id` is insertion order: for one execution it is
 * commit order, because every transition of an execution holds its row while it writes. `position`
 * is the stream order, handed out after commit by one assigner at a time (`assignEventPositionsSql`)
 * to every committed row still without one, in `id` order: positions become visible as a prefix, so a
 * reader that has seen position p never later finds a new event below p.
 */
export const events = pgTable(
  'events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    position: bigint('position', { mode: 'number' }),
    namespace: text('namespace').notNull(),
    type: text('type', { enum: EVENT_TYPES }).notNull(),
    executionId: uuid('execution_id'),
    workflowId: text('workflow_id'),
    data: jsonb('data').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('events_type_check', oneOf(t.type, EVENT_TYPES)),
    uniqueIndex('events_position_idx').on(t.position).where(sql`${t.position} is not null`),
    index('events_unpositioned_idx').on(t.id).where(sql`${t.position} is null`),
  ],
);

/** One row: the next position to hand out and how far retention pruned (a `Last-Event-ID` below it missed events). */
export const eventStream = pgTable(
  'event_stream',
  {
    id: smallint('id').primaryKey(),
    nextPosition: bigint('next_position', { mode: 'number' }).notNull().default(1),
    prunedThrough: bigint('pruned_through', { mode: 'number' }).notNull().default(0),
  },
  (t) => [check('event_stream_one_row', sql`${t.id} = 1`)],
);
