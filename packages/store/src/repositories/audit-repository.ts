import { createHash } from 'node:crypto';
import type { AuditVerification } from '@agentic-flow/spec';
import { and, asc, desc, eq, gt, lt, sql } from 'drizzle-orm';
import { auditLog } from '../schema/index.js';
import { appendAuditSql, auditRecord, type AuditEntry } from '../sql/audit.js';
import type { DbExecutor } from './db-executor.js';

export type AuditRow = typeof auditLog.$inferSelect;
export type { AuditVerification };

/** Appends `entry` to the chain, in the caller's transaction when `db` is one. */
export async function appendAudit(db: DbExecutor, entry: AuditEntry): Promise<void> {
  for (const statement of appendAuditSql([entry])) await db.execute(sql.raw(statement));
}

/** Appends `entry` in a transaction of its own (the advisory lock is transaction-scoped). */
export async function appendAuditAlone(db: DbExecutor, entry: AuditEntry): Promise<void> {
  await db.transaction(async (tx) => appendAudit(tx, entry));
}

export interface ListAuditOptions {
  limit: number;
  /** Rows before this sequence number (newest first paging). */
  beforeSeq?: number;
  actor?: string;
  action?: string;
  namespace?: string;
  outcome?: string;
}

/** Audit rows, newest first. */
export async function listAudit(db: DbExecutor, options: ListAuditOptions): Promise<AuditRow[]> {
  const filters = [
    options.beforeSeq === undefined ? undefined : lt(auditLog.seq, options.beforeSeq),
    options.actor === undefined ? undefined : eq(auditLog.actor, options.actor),
    options.action === undefined ? undefined : eq(auditLog.action, options.action),
    options.namespace === undefined ? undefined : eq(auditLog.namespace, options.namespace),
    options.outcome === undefined ? undefined : eq(auditLog.outcome, options.outcome),
  ].filter((f) => f !== undefined);
  return db
    .select()
    .from(auditLog)
    .where(filters.length > 0 ? and(...filters) : undefined)
    .orderBy(desc(auditLog.seq))
    .limit(options.limit);
}

const PAGE = 1000;

/**
 * Recomputes the whole chain, oldest first: each row's `prev_hash` must be the previous row's
 * hash, its `hash` must be sha256(prev_hash || record), and its columns must say what its record
 * says. A row changed, removed or inserted in the middle breaks it.
 */
export async function verifyAuditChain(db: DbExecutor): Promise<AuditVerification> {
  let previous = '';
  let checked = 0;
  let after = 0;
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.seq, after)).orderBy(asc(auditLog.seq)).limit(PAGE);
    for (const row of rows) {
      const reason = problemWith(row, previous);
      if (reason !== undefined) return { ok: false, checked, head: previous, broken: { seq: row.seq, reason } };
      previous = row.hash;
      checked++;
    }
    if (rows.length < PAGE) return { ok: true, checked, head: previous };
    after = rows.at(-1)!.seq;
  }
}

function problemWith(row: AuditRow, previousHash: string): string | undefined {
  if (row.prevHash !== previousHash) return 'prev_hash is not the hash of the row before it (a row was removed or inserted)';
  if (
    createHash('sha256')
      .update(row.prevHash + row.record, 'utf8')
      .digest('hex') !== row.hash
  )
    return 'hash does not match the record (the record was changed)';
  let entry: AuditEntry;
  try {
    entry = JSON.parse(row.record) as AuditEntry;
  } catch {
    return 'record is not JSON';
  }
  if (auditRecord(entry) !== row.record) return 'record is not in canonical form';
  const columns: AuditEntry = {
    at: entry.at,
    actor: row.actor,
    role: row.role,
    namespace: row.namespace,
    action: row.action,
    target: row.target,
    requestId: row.requestId,
    clientAddress: row.clientAddress,
    outcome: row.outcome as AuditEntry['outcome'],
    status: row.status,
  };
  if (auditRecord(columns) !== row.record || new Date(entry.at).getTime() !== row.at.getTime())
    return 'columns differ from the hashed record (a column was changed)';
  return undefined;
}

/**
 * Runs `change` in a transaction that also appends `entry` (when given): the change and its record
 * commit together or not at all.
 */
export async function runInTransactionWithAudit<T>(db: DbExecutor, entry: AuditEntry | undefined, change: (tx: DbExecutor) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const value = await change(tx);
    if (entry !== undefined) await appendAudit(tx, entry);
    return value;
  });
}
