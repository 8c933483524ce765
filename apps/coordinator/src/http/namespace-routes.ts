import { createNamespace, listNamespaces, runInTransactionWithAudit, type Database } from '@agentic-flow/store';
import type { FastifyInstance } from 'fastify';
import type { NamespaceDirectory } from '../auth/namespace-directory.js';
import { mayActIn } from '../auth/principal.js';
import { ApiError } from './api-error.js';
import { CreateNamespaceBodySchema } from './access-schemas.js';
import { parseRequest } from './request-schemas.js';

/** Namespaces: created by admins whose key covers every namespace; listed as far as a key may see. */
export function registerNamespaceRoutes(app: FastifyInstance, deps: { db: Database; namespaces: NamespaceDirectory }): void {
  app.post('/v1/namespaces', async (request, reply) => {
    const { name } = parseRequest(CreateNamespaceBodySchema, request.body, 'body');
    if (request.principal!.namespaces !== 'all') throw new ApiError('FORBIDDEN', 'creating a namespace needs a key for every namespace');
    const outcome = await runInTransactionWithAudit(deps.db, request.audit?.take(201), (tx) => createNamespace(tx, name));
    request.audit?.confirm();
    deps.namespaces.remember(name);
    return reply.code(outcome === 'created' ? 201 : 200).send({ name, created: outcome === 'created' });
  });

  app.get('/v1/namespaces', async (request) => {
    const principal = request.principal!;
    const rows = await listNamespaces(deps.db);
    return { items: rows.filter((row) => mayActIn(principal, row.name)).map((row) => ({ name: row.name, createdAt: row.createdAt.toISOString() })) };
  });
}
