import { describe, expect, it } from 'vitest';
import { PERMISSIONS, ROLES, allows, leastRoleWith } from '../../src/auth/roles.js';
import { ROUTE_POLICIES, isMutating } from '../../src/auth/route-policy.js';

describe('roles', () => {
  it('grants each role what the one before it has and one permission more', () => {
    expect(ROLES.map((role) => PERMISSIONS.filter((p) => allows(role, p)))).toEqual([
      ['read'],
      ['read', 'operate'],
      ['read', 'operate', 'edit'],
      ['read', 'operate', 'edit', 'admin'],
    ]);
    expect(PERMISSIONS.map(leastRoleWith)).toEqual(['viewer', 'operator', 'editor', 'admin']);
  });
});

describe('ROUTE_POLICIES', () => {
  const entries = Object.entries(ROUTE_POLICIES);

  it('names every route as "METHOD /path" and every guarded one with a unique audit action', () => {
    for (const [key] of entries) expect(key).toMatch(/^(GET|POST|PUT|DELETE|PATCH|OPTIONS) (\/[\w\-/:.]*|\*)$/);
    const actions = entries.flatMap(([, p]) => (p.access === 'guarded' ? [p.action] : []));
    expect(new Set(actions).size).toBe(actions.length);
  });

  it('leaves only probes, metrics and CORS preflights public', () => {
    expect(entries.filter(([, p]) => p.access === 'public').map(([k]) => k)).toEqual(['GET /healthz', 'GET /readyz', 'GET /metrics', 'OPTIONS *']);
  });

  it('lets no viewer change anything', () => {
    for (const [key, policy] of entries) {
      if (policy.access === 'guarded' && isMutating(key.split(' ')[0]!)) expect(allows('viewer', policy.permission), key).toBe(false);
    }
  });
});
