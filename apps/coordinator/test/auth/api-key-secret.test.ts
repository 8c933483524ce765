import { describe, expect, it } from 'vitest';
import { issueKey, parseKey, secretMatches } from '../../src/auth/api-key-secret.js';

describe('API key secrets', () => {
  it('issues prefixed keys whose secret matches only their own salted hash', async () => {
    const [a, b] = await Promise.all([issueKey(), issueKey()]);
    expect(a.key).toMatch(/^afk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.salt).not.toBe(b.salt);
    const parsed = parseKey(a.key)!;
    expect(parsed.id).toBe(a.id);
    expect(await secretMatches(parsed.secret, a.salt, a.hash)).toBe(true);
    expect(await secretMatches(parseKey(b.key)!.secret, a.salt, a.hash)).toBe(false);
    expect(a.hash).not.toContain(parsed.secret);
  });

  it('parses nothing but the exact shape', () => {
    for (const text of [
      '',
      'afk_',
      'afk_abc_def',
      `AFK_${'a'.repeat(12)}_${'b'.repeat(43)}`,
      `afk_${'a'.repeat(12)}_${'b'.repeat(44)}`,
      `afk_${'A'.repeat(12)}_${'b'.repeat(43)}`,
      `x afk_${'a'.repeat(12)}_${'b'.repeat(43)}`,
    ]) {
      expect(parseKey(text), text).toBeUndefined();
    }
  });
});
