import { describe, expect, it } from 'vitest';
import { histogramIndex, histogramQuantile, histogramValue } from '@agentic-flow/store';

describe('duration histogram', () => {
  it('puts a duration in a bucket whose value is within 10 % of it (within 1 ms below 10 ms)', () => {
    for (const ms of [50, 999, 12_345, 3_600_000]) expect(Math.abs(histogramValue(histogramIndex(ms)) - ms) / ms).toBeLessThan(0.1);
    for (const ms of [0, 1, 7]) expect(Math.abs(histogramValue(histogramIndex(ms)) - ms)).toBeLessThan(1);
  });

  it('reads quantiles by rank, and none from an empty histogram', () => {
    const histogram = new Map<number, number>();
    for (let ms = 1; ms <= 100; ms++) histogram.set(histogramIndex(ms * 10), (histogram.get(histogramIndex(ms * 10)) ?? 0) + 1);
    expect(histogramQuantile(histogram, 0.5)!).toBeGreaterThan(450);
    expect(histogramQuantile(histogram, 0.5)!).toBeLessThan(560);
    expect(histogramQuantile(histogram, 0.99)!).toBeGreaterThan(900);
    expect(histogramQuantile(new Map(), 0.95)).toBeNull();
  });
});
