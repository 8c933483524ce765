import { randomUUID } from 'node:crypto';
import { NAMESPACE_PATTERN } from '@agentic-flow/spec';
import type { AuditEntry } from '@agentic-flow/store';
import type { Logger } from '@agentic-flow/telemetry';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { RateLimitedError, UnauthenticatedError } from './access-refusals.js';
import type { Authenticator } from './authenticator.js';
import type { FailedAttempts } from './failed-attempts.js';
import type { NamespaceDirectory } from './namespace-directory.js';
import { PendingAudit } from './pending-audit.js';
import { mayActIn, type Principal } from './principal.js';
import type { RateLimiter } from './rate-limiter.js';
import { allows } from './roles.js';
import { ROUTE_POLICIES, isMutating, routeKey, type GuardedRoute } from './route-policy.js';

import { NAMESPACE_HEADER } from '../http/request-context.js';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** The namespace the call acts in, once access control let it through. */
    namespace?: string;
    /** The entry recording this call, for calls that change something. */
    audit?: PendingAudit;
  }
}

export interface AccessControlOptions {
  /** `keys`: every guarded route needs a key. `none`: everyone is an admin (an explicit opt-out). */
  mode: 'keys' | 'none';
  authenticator: Authenticator;
  namespaces: NamespaceDirectory;
  failedAttempts: FailedAttempts;
  /** Calls per key (or per client address, before one is known) per window; undefined: no limit. */
  rateLimiter: RateLimiter | undefined;
  /** Writes an audit entry in a transaction of its own. */
  writeAudit: (entry: AuditEntry) => Promise<void>;
  logger: Logger;
}

const DISABLED: Principal = { actor: 'auth-disabled', role: 'admin', namespaces: 'all', defaultNamespace: 'default' };

/** A request id from the caller is kept when it is harmless, so logs and the audit log can be joined with theirs. */
export function requestIdFrom(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Authentication, authorization and the audit trail, for every route. Order matters: who is
 * calling (`UNAUTHENTICATED`), whether they call too often (`RATE_LIMITED`), whether their role
 * allows the route (`FORBIDDEN`), where they act (`NAMESPACE_NOT_FOUND` for a namespace they cannot
 * see). A refusal is thrown as a domain error, which the HTTP layer's error handler answers. A route
 * without an entry in `ROUTE_POLICIES` makes `onRoute` throw, so the coordinator does not start
 * with an unguarded route.
 */
export function registerAccessControl(app: FastifyInstance, options: AccessControlOptions): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const policyMethod = method === 'HEAD' ? 'GET' : method;
      if (ROUTE_POLICIES[routeKey(policyMethod, route.url)] === undefined) {
        throw new Error(`route ${method} ${route.url} has no access policy: add it to ROUTE_POLICIES (auth/route-policy.ts)`);
      }
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    const url = request.routeOptions.url;
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const policy = url === undefined ? undefined : ROUTE_POLICIES[routeKey(method, url)];
    if (policy?.access === 'public') return;
    // An unknown route still needs a key: the API's shape is not shown to strangers.
    const guarded: GuardedRoute = policy ?? { access: 'guarded', permission: 'read', action: 'unknown-route' };
    const principal = await authenticate(request, guarded, options);
    request.principal = principal;

    if (options.rateLimiter !== undefined) {
      const verdict = await options.rateLimiter.check(principal.actor);
      void reply.header('ratelimit-remaining', verdict.remaining);
      if (!verdict.allowed) {
        const seconds = Math.max(1, Math.ceil(verdict.resetMs / 1000));
        throw new RateLimitedError(`too many calls with this key: try again in ${seconds} s`, seconds);
      }
    }

    const namespace = namespaceAsked(request) ?? principal.defaultNamespace;
    const base = auditBase(request, principal, recordedNamespace(namespace), guarded);
    if (!allows(principal.role, guarded.permission)) {
      await options
        .writeAudit({ ...base, at: new Date().toISOString(), outcome: 'denied', status: 403 })
        .catch((error: unknown) => options.logger.error({ err: error }, 'could not write the audit log'));
      throw new DomainError('FORBIDDEN', `this call needs the "${guarded.permission}" permission, which role "${principal.role}" does not have`);
    }
    if (!NAMESPACE_PATTERN.test(namespace)) {
      const problem = {
        path: `$.headers["${NAMESPACE_HEADER}"]`,
        message: 'must be a namespace name: 1-63 lowercase letters, digits or "-", starting with a letter or digit',
      };
      throw new InvalidInputError([problem], 'header');
    }
    // A namespace the key may not see answers as one that does not exist.
    if (!mayActIn(principal, namespace) || !(await options.namespaces.exists(namespace))) {
      if (isMutating(method))
        await options
          .writeAudit({ ...base, at: new Date().toISOString(), outcome: 'denied', status: 404 })
          .catch((error: unknown) => options.logger.error({ err: error }, 'could not write the audit log'));
      throw new DomainError('NAMESPACE_NOT_FOUND', `namespace "${namespace}" not found`);
    }
    request.namespace = namespace;
    if (isMutating(method)) request.audit = new PendingAudit(base);
  });

  app.addHook('onResponse', async (request, reply) => {
    const entry = request.audit?.remaining(reply.statusCode);
    if (entry === undefined) return;
    await options.writeAudit(entry).catch((error: unknown) => request.log.error({ err: error, action: entry.action }, 'could not write the audit log'));
  });
}

/** The caller's principal; throws `UNAUTHENTICATED` (audited) or `RATE_LIMITED` for an address that failed too often. */
async function authenticate(request: FastifyRequest, policy: GuardedRoute, options: AccessControlOptions): Promise<Principal> {
  if (options.mode === 'none') return DISABLED;
  const now = Date.now();
  const wait = options.failedAttempts.blockedFor(request.ip, now);
  if (wait > 0) throw new RateLimitedError('too many failed authentications from this address: try again later', Math.ceil(wait / 1000));
  const result = await options.authenticator.authenticate(request.headers.authorization);
  if (result.ok) return result.principal;
  options.failedAttempts.record(request.ip, now);
  const entry: AuditEntry = {
    ...auditBase(request, undefined, recordedNamespace(namespaceAsked(request)), policy),
    at: new Date().toISOString(),
    outcome: 'unauthenticated',
    status: 401,
  };
  await options.writeAudit(entry).catch((error: unknown) => options.logger.error({ err: error }, 'could not write the audit log'));
  throw new UnauthenticatedError(result.reason, request.headers.authorization !== undefined);
}

function namespaceAsked(request: FastifyRequest): string | undefined {
  const header = request.headers[NAMESPACE_HEADER];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/** What the audit log records as the namespace: only a well-formed name, never whatever a header held. */
function recordedNamespace(namespace: string | undefined): string | null {
  return namespace !== undefined && NAMESPACE_PATTERN.test(namespace) ? namespace : null;
}

function auditBase(
  request: FastifyRequest,
  principal: Principal | undefined,
  namespace: string | null,
  policy: GuardedRoute,
): Omit<AuditEntry, 'at' | 'outcome' | 'status'> {
  return {
    actor: principal?.actor ?? 'anonymous',
    role: principal?.role ?? null,
    namespace,
    action: policy.action,
    // The path only: a query string can carry anything, and the audit log keeps no request data.
    target: `${request.method} ${request.url.split('?')[0]!.slice(0, 512)}`,
    requestId: request.id,
    clientAddress: request.ip,
  };
}
