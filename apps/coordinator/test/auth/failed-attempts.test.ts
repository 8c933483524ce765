import { describe, expect, it } from 'vitest';
import { FailedAttempts } from '../../src/auth/failed-attempts.js';

describe('FailedAttempts', () => {
  it('blocks an address past its limit until its window ends, and no other address', () => {
    const attempts = new FailedAttempts(3, 60_000);
    for (let i = 0; i < 3; i++) {
      expect(attempts.blockedFor('a', 1000 + i)).toBe(0);
      attempts.record('a', 1000 + i);
    }
    expect(attempts.blockedFor('a', 2000)).toBe(59_000);
    expect(attempts.blockedFor('b', 2000)).toBe(0);
    expect(attempts.blockedFor('a', 61_000)).toBe(0);
  });

  it('stays within its address bound under a spread-out flood', () => {
    const attempts = new FailedAttempts(1, 60_000, 100);
    for (let i = 0; i < 10_000; i++) attempts.record(`10.0.${i >> 8}.${i & 255}`, i);
    expect((attempts as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(100);
  });
});
