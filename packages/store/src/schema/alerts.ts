import { check, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { oneOf } from './one-of.js';
import { ALERT_SEVERITIES } from './statuses.js';

/** Things an operator should look at: an escalated step waiting for a decision, and later monitor thresholds. */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    type: text('type').notNull(),
    severity: text('severity', { enum: ALERT_SEVERITIES }).notNull(),
    message: text('message').notNull(),
    /** The namespace it concerns (its execution's, copied when written). */
    namespace: text('namespace').notNull(),
    executionId: uuid('execution_id'),
    errorId: uuid('error_id'),
    data: jsonb('data'),
    /** Monitor alerts: the condition it announces (hysteresis key), and `firing` or `resolved`. */
    condition: text('condition'),
    state: text('state'),
    // Millisecond precision, as the coordinator writes it: the list's keyset cursors compare exactly.
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`date_trunc('milliseconds', now())`),
  },
  (t) => [check('alerts_severity_check', oneOf(t.severity, ALERT_SEVERITIES)), index('alerts_created_idx').on(t.namespace, t.createdAt.desc().nullsFirst())],
);
