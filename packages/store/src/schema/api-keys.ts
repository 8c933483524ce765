import { check, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { oneOf } from './one-of.js';
import { API_KEY_ROLES } from './statuses.js';

/**
 * API keys. The key itself is shown once, when it is created; only a salted scrypt hash of its
 * secret part is kept. `id` is the public part every key starts with (`afk_<id>_…`), so a key is
 * found by id and then checked against its hash.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: API_KEY_ROLES }).notNull(),
    /** The namespaces the key may act in; `{*}` for every namespace. The first is its default. */
    namespaces: text('namespaces').array().notNull(),
    secretSalt: text('secret_salt').notNull(),
    secretHash: text('secret_hash').notNull(),
    /** Who created it: another key's id, `bootstrap`, or `cli`. */
    createdBy: text('created_by').notNull(),
    // Millisecond precision: the list's keyset cursors compare exactly.
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`date_trunc('milliseconds', now())`),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [check('api_keys_role_check', oneOf(t.role, API_KEY_ROLES)), index('api_keys_created_idx').on(t.createdAt.desc().nullsFirst())],
);
