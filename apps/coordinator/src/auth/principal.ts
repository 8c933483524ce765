import type { Role } from './roles.js';

/** Who is calling, once their credential is verified. */
export interface Principal {
  /** A key's id, `bootstrap` (AF_BOOTSTRAP_ADMIN_KEY) or `auth-disabled` (AUTH_MODE=none). */
  actor: string;
  role: Role;
  /** The namespaces it may act in, or every one. */
  namespaces: readonly string[] | 'all';
  /** Where it acts when a request names no namespace. */
  defaultNamespace: string;
}

export function mayActIn(principal: Principal, namespace: string): boolean {
  return principal.namespaces === 'all' || principal.namespaces.includes(namespace);
}
