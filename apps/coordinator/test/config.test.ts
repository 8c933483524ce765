import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('coordinator config', () => {
  it('listens on loopback, requires keys and limits calls unless told otherwise', () => {
    const loaded = loadConfig({});
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.config).toMatchObject({ HOST: '127.0.0.1', AUTH_MODE: 'keys', RATE_LIMIT_MAX: 60000, CORS_ORIGINS: [] });
    expect(loaded.config.AF_BOOTSTRAP_ADMIN_KEY).toBeUndefined();
  });

  it('refuses a bootstrap key shorter than 32 characters, and takes an empty one as unset', () => {
    const short = loadConfig({ AF_BOOTSTRAP_ADMIN_KEY: 'too-short' });
    expect(short).toMatchObject({ ok: false, message: expect.stringContaining('AF_BOOTSTRAP_ADMIN_KEY: must be at least 32 characters') });
    const empty = loadConfig({ AF_BOOTSTRAP_ADMIN_KEY: '' });
    expect(empty.ok && empty.config.AF_BOOTSTRAP_ADMIN_KEY).toBeUndefined();
    expect(loadConfig({ AUTH_MODE: 'off' }).ok).toBe(false);
    const cors = loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' });
    expect(cors.ok && cors.config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
  });

  it('needs an issuer and an audience with a JWKS URL, and a role for every OIDC_ROLE_MAP entry', () => {
    const partial = loadConfig({ OIDC_JWKS_URL: 'https://idp.example/jwks' });
    expect(partial).toMatchObject({ ok: false, message: expect.stringMatching(/OIDC_ISSUER: is required.*OIDC_AUDIENCE: is required/) });
    const badMap = loadConfig({ OIDC_ROLE_MAP: 'admins=root' });
    expect(badMap).toMatchObject({ ok: false, message: expect.stringContaining('entry "admins=root"') });
    const full = loadConfig({
      OIDC_JWKS_URL: 'https://idp.example/jwks',
      OIDC_ISSUER: 'https://idp.example',
      OIDC_AUDIENCE: 'af',
      OIDC_ROLE_MAP: 'admins=admin, ops=operator',
    });
    expect(full.ok && full.config.OIDC_ROLE_MAP).toEqual({ admins: 'admin', ops: 'operator' });
  });

  it('caps live descendants of one top-level execution at 10000 unless told otherwise, and at least 1', () => {
    const loaded = loadConfig({});
    expect(loaded.ok && loaded.config.MAX_DESCENDANT_EXECUTIONS).toBe(10_000);
    const set = loadConfig({ MAX_DESCENDANT_EXECUTIONS: '20' });
    expect(set.ok && set.config.MAX_DESCENDANT_EXECUTIONS).toBe(20);
    expect(loadConfig({ MAX_DESCENDANT_EXECUTIONS: '0' })).toMatchObject({ ok: false, message: expect.stringContaining('MAX_DESCENDANT_EXECUTIONS') });
    expect(loadConfig({ MAX_DESCENDANT_EXECUTIONS: '1.5' }).ok).toBe(false);
  });
});
