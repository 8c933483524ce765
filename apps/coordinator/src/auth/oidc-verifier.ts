import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Principal } from './principal.js';
import { ROLES, type Role } from './roles.js';

export interface OidcOptions {
  /** Where the identity provider publishes its signing keys. */
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** The claim holding the caller's role(s): a string or an array of strings. */
  roleClaim: string;
  /** Claim values → roles (`af-admins` → `admin`); without an entry a value must be a role's own name. */
  roleMap: Readonly<Record<string, Role>>;
  /** The claim holding the namespaces (a string or an array; `*` for every one). Absent: `default`. */
  namespacesClaim: string;
}

export type OidcVerification = { ok: true; principal: Principal; expiresAt: number } | { ok: false; reason: string };

// Asymmetric algorithms only: a JWKS holds public keys, and accepting HS* would let anyone who
// knows a public key sign with it as a shared secret.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLOCK_TOLERANCE_S = 30;

/** A token shaped like a JWS in compact form: three base64url parts. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

/**
 * Bearer JWTs from an OIDC provider, verified against its JWKS (fetched on first use, cached, and
 * fetched again when a token names a key it does not know, at most every 30 s): signature, issuer,
 * audience, expiry. The role comes from a claim, mapped through `roleMap`; the most powerful role
 * among the claim's values wins. A token without a `sub` or without a known role is refused.
 */
export class OidcVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: OidcOptions) {
    this.jwks = createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  }

  async verify(token: string): Promise<OidcVerification> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'the token has expired' };
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError))
        return { ok: false, reason: 'the token could not be verified (the identity provider’s keys could not be fetched)' };
      return { ok: false, reason: 'the token is not valid' };
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') return { ok: false, reason: 'the token has no subject ("sub")' };
    const role = this.roleOf(payload[this.options.roleClaim]);
    if (role === undefined) return { ok: false, reason: `the token's "${this.options.roleClaim}" claim names no role of this cluster` };
    const namespaces = stringsOf(payload[this.options.namespacesClaim]) ?? ['default'];
    const all = namespaces.includes('*');
    const principal: Principal = {
      actor: `oidc:${payload.sub.slice(0, 200)}`,
      role,
      namespaces: all ? 'all' : namespaces,
      defaultNamespace: all ? 'default' : (namespaces[0] ?? 'default'),
    };
    return { ok: true, principal, expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity };
  }

  private roleOf(claim: unknown): Role | undefined {
    const granted = (stringsOf(claim) ?? [])
      .map((value) => this.options.roleMap[value] ?? (ROLES as readonly string[]).find((role) => role === value))
      .filter((role): role is Role => role !== undefined);
    // ROLES runs from least to most powerful.
    return [...ROLES].reverse().find((role) => granted.includes(role));
  }
}

function stringsOf(claim: unknown): string[] | undefined {
  if (typeof claim === 'string') return [claim];
  if (Array.isArray(claim) && claim.every((v) => typeof v === 'string')) return claim as string[];
  return undefined;
}
