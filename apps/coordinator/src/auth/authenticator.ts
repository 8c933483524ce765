import { createHash, randomBytes } from 'node:crypto';
import { findApiKey, touchApiKeys, type ApiKeyRow, type Database } from '@agentic-flow/store';
import type { Logger } from '@agentic-flow/telemetry';
import { hashSecret, parseKey, secretMatches } from './api-key-secret.js';
import { looksLikeJwt, type OidcVerifier } from './oidc-verifier.js';
import type { Principal } from './principal.js';

export type Authentication = { ok: true; principal: Principal } | { ok: false; reason: string };

export interface AuthenticatorOptions {
  db: Database;
  logger: Logger;
  /** AF_BOOTSTRAP_ADMIN_KEY: accepted as an admin key; only its hash is kept. */
  bootstrapKey?: string | undefined;
  /** Verifies bearer JWTs from an OIDC provider, when one is configured. */
  oidc?: OidcVerifier | undefined;
  /** How long a verified key is trusted without reading its row again. */
  cacheTtlMs?: number;
  now?: () => number;
}

interface Cached {
  principal: Principal;
  /** The key's own expiry, in ms, or Infinity. */
  expiresAt: number;
  verifiedAt: number;
}

const DEFAULT_CACHE_TTL_MS = 10_000;
const TOUCH_INTERVAL_MS = 30_000;
const CACHE_LIMIT = 10_000;

/**
 * Turns an `Authorization: Bearer <key or JWT>` header into a {@link Principal}. A verified key is cached
 * (under a hash of the whole key, never the key) for `cacheTtlMs`: verification costs one row read
 * and one scrypt, and a request should not. So a revoked key stops working at once on the
 * coordinator that revoked it ({@link forget}) and within `cacheTtlMs` on the others. Last-used
 * times are written in batches, every 30 s.
 */
export class Authenticator {
  private readonly cache = new Map<string, Cached>();
  private readonly uses = new Map<string, Date>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private bootstrap: Promise<{ salt: string; hash: string } | undefined>;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AuthenticatorOptions) {
    this.ttlMs = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.now = options.now ?? Date.now;
    const bootstrapKey = options.bootstrapKey;
    const salt = randomBytes(16).toString('base64url');
    this.bootstrap = bootstrapKey === undefined ? Promise.resolve(undefined) : hashSecret(bootstrapKey, salt).then((hash) => ({ salt, hash }));
  }

  start(): void {
    this.timer = setInterval(() => void this.flushUses(), TOUCH_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flushUses();
  }

  async authenticate(authorization: string | undefined): Promise<Authentication> {
    if (authorization === undefined || authorization === '') return { ok: false, reason: 'no credential: send Authorization: Bearer <api key>' };
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match) return { ok: false, reason: 'the Authorization header must be "Bearer <api key>"' };
    const key = match[1]!;
    const cacheKey = createHash('sha256').update(key).digest('base64url');
    const now = this.now();
    const cached = this.cache.get(cacheKey);
    if (cached && now - cached.verifiedAt < this.ttlMs) {
      if (now >= cached.expiresAt) return { ok: false, reason: 'the key has expired' };
      this.recordUse(cached.principal, now);
      return { ok: true, principal: cached.principal };
    }
    const verified = await this.verify(key, now);
    if (verified.ok) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(cacheKey, { principal: verified.principal, expiresAt: verified.expiresAt, verifiedAt: now });
      this.recordUse(verified.principal, now);
      return { ok: true, principal: verified.principal };
    }
    this.cache.delete(cacheKey);
    return verified;
  }

  /** Drops every cached verification of key `id` (after revoking it here). */
  forget(id: string): void {
    for (const [cacheKey, entry] of this.cache) if (entry.principal.actor === id) this.cache.delete(cacheKey);
  }

  private async verify(key: string, now: number): Promise<(Authentication & { ok: false }) | { ok: true; principal: Principal; expiresAt: number }> {
    const parsed = parseKey(key);
    if (parsed === undefined && this.options.oidc !== undefined && looksLikeJwt(key)) return this.options.oidc.verify(key);
    if (parsed === undefined) {
      const bootstrap = await this.bootstrap;
      if (bootstrap !== undefined && (await secretMatches(key, bootstrap.salt, bootstrap.hash))) {
        return { ok: true, principal: { actor: 'bootstrap', role: 'admin', namespaces: 'all', defaultNamespace: 'default' }, expiresAt: Infinity };
      }
      return { ok: false, reason: 'the key is not valid' };
    }
    const row = await findApiKey(this.options.db, parsed.id);
    // One answer for an unknown id and a wrong secret. (Timing still tells them apart; an id is not a
    // secret — it is shown in listings and the audit log — and knowing one does not help guess 256 bits.)
    if (row === undefined || !(await secretMatches(parsed.secret, row.secretSalt, row.secretHash))) return { ok: false, reason: 'the key is not valid' };
    if (row.revokedAt !== null) return { ok: false, reason: 'the key has been revoked' };
    if (row.expiresAt !== null && row.expiresAt.getTime() <= now) return { ok: false, reason: 'the key has expired' };
    return { ok: true, principal: principalOf(row), expiresAt: row.expiresAt?.getTime() ?? Infinity };
  }

  private recordUse(principal: Principal, now: number): void {
    if (principal.actor !== 'bootstrap' && principal.actor !== 'auth-disabled' && !principal.actor.startsWith('oidc:'))
      this.uses.set(principal.actor, new Date(now));
  }

  private async flushUses(): Promise<void> {
    if (this.uses.size === 0) return;
    const uses = [...this.uses].map(([id, at]) => ({ id, at }));
    this.uses.clear();
    await touchApiKeys(this.options.db, uses).catch((error: unknown) =>
      this.options.logger.warn({ err: error }, 'could not record when API keys were last used'),
    );
  }
}

export function principalOf(row: ApiKeyRow): Principal {
  const all = row.namespaces.includes('*');
  return { actor: row.id, role: row.role, namespaces: all ? 'all' : row.namespaces, defaultNamespace: all ? 'default' : row.namespaces[0]! };
}
