import { API_KEY_ROLES, type ApiKeyRole } from '@agentic-flow/store';

export { API_KEY_ROLES as ROLES };
export type Role = ApiKeyRole;

/**
 * What a call needs. `read`: look at anything in a namespace. `operate`: start and steer
 * executions (pause, resume, cancel, snapshots, resolve errors, retry or discard dead letters).
 * `edit`: change what runs (register workflows and recovery strategies). `admin`: the cluster
 * (keys, namespaces, circuit breaker settings, the audit log).
 */
export const PERMISSIONS = ['read', 'operate', 'edit', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['read'],
  operator: ['read', 'operate'],
  editor: ['read', 'operate', 'edit'],
  admin: ['read', 'operate', 'edit', 'admin'],
};

export function allows(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

/** The least role that has `permission`. */
export function leastRoleWith(permission: Permission): Role {
  return API_KEY_ROLES.find((role) => allows(role, permission))!;
}
