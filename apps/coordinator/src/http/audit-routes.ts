import { listAudit, verifyAuditChain, type AuditRow, type Database } from '@agentic-flow/store';
import type { AuditEntryView, AuditOutcome } from '@agentic-flow/spec';
import type { FastifyInstance } from 'fastify';
import { ListAuditQuerySchema } from './access-schemas.js';
import { namespaceOf } from './request-context.js';
import { parseRequest } from './request-schemas.js';

/** The audit log, for admins: entries newest first, and a check of the whole chain. */
export function registerAuditRoutes(app: FastifyInstance, deps: { db: Database }): void {
  app.get('/v1/audit', async (request) => {
    const query = parseRequest(ListAuditQuerySchema, request.query, 'query');
    const rows = await listAudit(deps.db, {
      limit: query.limit,
      // A key for every namespace sees every entry (refused calls included, which may name none);
      // a key for some namespaces sees the entries of the one it acts in.
      ...(request.principal!.namespaces === 'all'
        ? query.namespace === undefined
          ? {}
          : { namespace: query.namespace }
        : { namespace: namespaceOf(request) }),
      ...(query.before === undefined ? {} : { beforeSeq: query.before }),
      ...(query.actor === undefined ? {} : { actor: query.actor }),
      ...(query.action === undefined ? {} : { action: query.action }),
      ...(query.outcome === undefined ? {} : { outcome: query.outcome }),
    });
    return { items: rows.map(auditView), nextBefore: rows.length === query.limit ? rows.at(-1)!.seq : null };
  });

  /** Recomputes every hash, oldest first: `ok: false` names the first row that does not fit. */
  app.get('/v1/audit/verify', async () => verifyAuditChain(deps.db));
}

function auditView(row: AuditRow): AuditEntryView {
  return {
    seq: row.seq,
    at: row.at.toISOString(),
    actor: row.actor,
    role: row.role,
    namespace: row.namespace,
    action: row.action,
    target: row.target,
    requestId: row.requestId,
    clientAddress: row.clientAddress,
    outcome: row.outcome as AuditOutcome,
    status: row.status,
    hash: row.hash,
  };
}
