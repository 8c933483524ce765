import { findApiKey, insertApiKey, listApiKeys, revokeApiKey, runInTransactionWithAudit, type ApiKeyRow, type Database } from '@agentic-flow/store';
import type { ApiKeyView } from '@agentic-flow/spec';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { issueKey } from '../auth/api-key-secret.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { NamespaceDirectory } from '../auth/namespace-directory.js';
import { mayActIn, type Principal } from '../auth/principal.js';
import { ApiError } from './api-error.js';
import { keysetPage } from './keyset-page.js';
import { ApiKeyParamsSchema, CreateApiKeyBodySchema, ListApiKeysQuerySchema } from './access-schemas.js';
import { namespaceOf } from './request-context.js';
import { parseRequest } from './request-schemas.js';

export interface ApiKeyRoutesDeps {
  db: Database;
  authenticator: Authenticator;
  namespaces: NamespaceDirectory;
  now: () => number;
}

/** API keys: created (the key shown once), listed (never their secrets), revoked. Admins only. */
export function registerApiKeyRoutes(app: FastifyInstance, deps: ApiKeyRoutesDeps): void {
  app.post('/v1/api-keys', async (request, reply) => {
    const body = parseRequest(CreateApiKeyBodySchema, request.body, 'body');
    const principal = request.principal!;
    const namespaces = body.namespaces ?? [namespaceOf(request)];
    for (const namespace of namespaces) await checkGrantable(principal, namespace, deps.namespaces);
    const expiresAt =
      body.expiresAt !== undefined
        ? new Date(body.expiresAt)
        : body.expiresInDays !== undefined
          ? new Date(deps.now() + body.expiresInDays * 86_400_000)
          : null;
    if (expiresAt !== null && expiresAt.getTime() <= deps.now()) throw new ApiError('INVALID_REQUEST', 'expiresAt must be in the future');
    const issued = await issueKey();
    const row = await runInTransactionWithAudit(deps.db, request.audit?.take(201), (tx) =>
      insertApiKey(tx, {
        id: issued.id,
        name: body.name,
        role: body.role,
        namespaces: [...new Set(namespaces)],
        secretSalt: issued.salt,
        secretHash: issued.hash,
        createdBy: principal.actor,
        expiresAt,
      }),
    );
    request.audit?.confirm();
    return reply.code(201).send({ ...apiKeyView(row), key: issued.key });
  });

  app.get('/v1/api-keys', async (request) => {
    const { limit, cursor } = parseRequest(ListApiKeysQuerySchema, request.query, 'query');
    const rows = await listApiKeys(deps.db, { limit: limit + 1, namespace: namespaceOf(request), ...(cursor === undefined ? {} : { cursor }) });
    return keysetPage(rows, limit, apiKeyView);
  });

  app.delete('/v1/api-keys/:keyId', async (request, reply) => {
    const { keyId } = parseRequest(ApiKeyParamsSchema, request.params, 'params');
    const row = await findApiKey(deps.db, keyId);
    if (row === undefined || !visibleTo(request, row)) throw new ApiError('API_KEY_NOT_FOUND', `API key ${keyId} not found`);
    await runInTransactionWithAudit(deps.db, request.audit?.take(204), (tx) => revokeApiKey(tx, keyId, new Date(deps.now())));
    request.audit?.confirm();
    deps.authenticator.forget(keyId);
    return reply.code(204).send();
  });
}

/** A key is managed by admins who may act in every namespace it may. */
function visibleTo(request: FastifyRequest, row: ApiKeyRow): boolean {
  const principal = request.principal!;
  return row.namespaces.every((namespace) => (namespace === '*' ? principal.namespaces === 'all' : mayActIn(principal, namespace)));
}

async function checkGrantable(principal: Principal, namespace: string, directory: NamespaceDirectory): Promise<void> {
  if (namespace === '*') {
    if (principal.namespaces !== 'all') throw new ApiError('FORBIDDEN', 'only a key for every namespace may create one for every namespace');
    return;
  }
  if (!mayActIn(principal, namespace) || !(await directory.exists(namespace))) throw new ApiError('NAMESPACE_NOT_FOUND', `namespace "${namespace}" not found`);
}

export function apiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    prefix: `afk_${row.id}`,
    name: row.name,
    role: row.role,
    namespaces: row.namespaces,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
