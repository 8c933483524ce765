import { describe, expect, it } from 'vitest';
import { RecentResults } from '../src/recent-results.js';

const run = (n: number) => ({ stepRunId: `r${n}`, attempt: 1 });

describe('RecentResults', () => {
  it('keeps the results of the window, oldest first, and drops older ones', () => {
    const recent = new RecentResults({ windowMs: 1_000, maxBytes: 1_000 });
    recent.add('{"a":1}', run(1), 0);
    recent.add('{"a":2}', run(2), 600);
    expect(recent.list(900).map((r) => r.run.stepRunId)).toEqual(['r1', 'r2']);
    expect(recent.list(1_500).map((r) => r.run.stepRunId)).toEqual(['r2']);
    expect(recent.list(2_000)).toEqual([]);
  });

  it('drops the oldest results once their bytes pass the limit', () => {
    const recent = new RecentResults({ windowMs: 60_000, maxBytes: 26 });
    for (let i = 0; i < 5; i++) recent.add(`{"n":"${'x'.repeat(4)}${i}"}`, run(i), i);
    // Each entry is 13 characters: two fit in 26.
    expect(recent.list(10).map((r) => r.run.stepRunId)).toEqual(['r3', 'r4']);
  });
});
