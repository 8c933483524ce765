import type { AuditOutcome } from '@agentic-flow/spec';
import { textLiteral } from './literal.js';

/** The fields of one audit entry, as hashed (`record` is their canonical JSON). */
export interface AuditEntry {
  /** ISO timestamp. */
  at: string;
  /** A key's id, `bootstrap`, `anonymous` (no or an unknown key) or `auth-disabled`. */
  actor: string;
  role: string | null;
  namespace: string | null;
  /** What was asked, e.g. `execution.cancel`. */
  action: string;
  /** The method and path the call named, e.g. `POST /v1/executions/…/cancel`. */
  target: string;
  requestId: string;
  clientAddress: string | null;
  outcome: AuditOutcome;
  status: number;
}

/** Every coordinator appends audit rows under this transaction-level advisory lock. */
export const AUDIT_LOCK_KEY = 7_260_011;

const FIELDS = ['at', 'actor', 'role', 'namespace', 'action', 'target', 'requestId', 'clientAddress', 'outcome', 'status'] as const;

/** The text hashed for `entry`: its fields in a fixed order, as JSON. */
export function auditRecord(entry: AuditEntry): string {
  return JSON.stringify(Object.fromEntries(FIELDS.map((field) => [field, entry[field]])));
}

/**
 * Statements that append `entries` to the chain inside the caller's transaction. The lock comes
 * first and on its own: under READ COMMITTED each statement reads a fresh snapshot, so the
 * insert, taken after the lock, sees the last row the previous holder committed.
 */
export function appendAuditSql(entries: readonly AuditEntry[]): string[] {
  if (entries.length === 0) return [];
  const statements = [`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`];
  for (const entry of entries) {
    const record = textLiteral(auditRecord(entry));
    statements.push(`insert into audit_log (at, actor, role, namespace, action, target, request_id, client_address, outcome, status, record, prev_hash, hash)
select (j->>'at')::timestamptz, j->>'actor', j->>'role', j->>'namespace', j->>'action', j->>'target', j->>'requestId', j->>'clientAddress', j->>'outcome', (j->>'status')::int,
  r.t, p.h, encode(sha256(convert_to(p.h || r.t, 'UTF8')), 'hex')
from (select ${record}::text as t) r
cross join lateral (select r.t::jsonb as j) parsed
cross join (select coalesce((select hash from audit_log order by seq desc limit 1), '') as h) p`);
  }
  return statements;
}
