import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcVerifier, looksLikeJwt } from '../../src/auth/oidc-verifier.js';

/** A local identity provider: one ES256 key published as a JWKS; tokens signed in the test. */
describe('OidcVerifier against a JWKS served over HTTP', () => {
  let server: Server;
  let privateKey: CryptoKey;
  let jwksUrl: string;
  let fetches = 0;
  const ISSUER = 'https://idp.test';
  const AUDIENCE = 'agentic-flow';

  const token = (claims: Record<string, unknown>, options: { issuer?: string; audience?: string; expiresIn?: string; key?: CryptoKey; kid?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'k1' })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(options.key ?? privateKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const verifier = () =>
    new OidcVerifier({
      jwksUrl,
      issuer: ISSUER,
      audience: AUDIENCE,
      roleClaim: 'groups',
      roleMap: { 'flow-admins': 'admin', 'flow-ops': 'operator' },
      namespacesClaim: 'namespaces',
    });

  it('accepts a signed token and maps its claims to a role and namespaces, fetching the keys once', async () => {
    const v = verifier();
    const a = await v.verify(await token({ sub: 'alice', groups: ['staff', 'flow-ops'], namespaces: ['team-a', 'team-b'] }));
    expect(a).toMatchObject({ ok: true, principal: { actor: 'oidc:alice', role: 'operator', namespaces: ['team-a', 'team-b'], defaultNamespace: 'team-a' } });
    const b = await v.verify(await token({ sub: 'bob', groups: ['flow-ops', 'flow-admins'], namespaces: '*' }));
    expect(b).toMatchObject({ ok: true, principal: { role: 'admin', namespaces: 'all' } });
    const c = await v.verify(await token({ sub: 'carol', groups: 'viewer' }));
    expect(c).toMatchObject({ ok: true, principal: { role: 'viewer', namespaces: ['default'] } });
    expect(fetches).toBe(1);
  });

  it('refuses wrong issuers and audiences, expired tokens, other keys, symmetric and unsigned tokens, and tokens without a role or subject', async () => {
    const v = verifier();
    const other = (await generateKeyPair('ES256')).privateKey;
    const hs = await new SignJWT({ sub: 'eve', groups: 'flow-admins' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!'));
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'eve', groups: 'flow-admins', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url')}.x`;
    const cases: [string, string, string][] = [
      ['issuer', await token({ sub: 'eve', groups: 'flow-admins' }, { issuer: 'https://evil.test' }), 'not valid'],
      ['audience', await token({ sub: 'eve', groups: 'flow-admins' }, { audience: 'someone-else' }), 'not valid'],
      ['expired', await token({ sub: 'eve', groups: 'flow-admins' }, { expiresIn: '-2m' }), 'expired'],
      ['other key', await token({ sub: 'eve', groups: 'flow-admins' }, { key: other }), 'not valid'],
      ['HS256', hs, 'not valid'],
      ['alg none', unsigned, 'not valid'],
      ['no role', await token({ sub: 'eve', groups: ['staff'] }), 'names no role'],
      ['no subject', await token({ groups: 'flow-admins' }), 'no subject'],
    ];
    for (const [what, jwt, reason] of cases) {
      const result = await v.verify(jwt);
      expect(result.ok, what).toBe(false);
      expect(!result.ok && result.reason, what).toContain(reason);
    }
  });

  it('tells JWTs from API keys by shape', () => {
    expect(looksLikeJwt('aaa.bbb.ccc')).toBe(true);
    expect(looksLikeJwt(`afk_${'a'.repeat(12)}_${'b'.repeat(43)}`)).toBe(false);
    expect(looksLikeJwt('a.b')).toBe(false);
  });
});
