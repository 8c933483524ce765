import { describe, expect, it } from 'vitest';
import { jobConfigOf, runInput } from '../src/executions/run-input.js';

describe('a queued run’s stored input', () => {
  it('keeps the secret slots with the config, so a job built again (reconciler, resume) has them', () => {
    const config = { url: 'https://api.test/', headers: { Authorization: 'Bearer {{ secrets.TOKEN }}' } };
    const secretSlots = [{ path: ['headers', 'Authorization'], parts: ['Bearer ', { secret: 'TOKEN' }] }];
    const stored = JSON.parse(JSON.stringify(runInput(config, secretSlots))) as unknown;
    expect(jobConfigOf(stored)).toEqual({ config, secretSlots });
  });

  it('is the config itself without slots, as rows stored before slots existed are', () => {
    const config = { url: 'https://api.test/', query: { q: '{{ secrets.TOKEN }}' } };
    expect(runInput(config, undefined)).toBe(config);
    expect(runInput(config, [])).toBe(config);
    expect(jobConfigOf(config)).toEqual({ config });
    expect(jobConfigOf(null)).toEqual({ config: null });
  });
});
