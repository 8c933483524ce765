import type { FastifyRequest } from 'fastify';

/** The header naming the namespace a request acts in; without it, the key's default namespace. */
export const NAMESPACE_HEADER = 'af-namespace';

/**
 * The namespace this request acts in: lists show only its objects, objects of another namespace
 * are not found, and what the request creates belongs to it. Set by access control
 * (`auth/access-control.ts`), which has checked that the caller may act in it and that it exists.
 */
export function namespaceOf(request: FastifyRequest): string {
  if (request.namespace === undefined) throw new Error(`${request.method} ${request.routeOptions.url ?? request.url}: no namespace; is the route guarded?`);
  return request.namespace;
}
