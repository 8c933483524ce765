/**
 * The log-scale duration histograms the metric rollups keep (`metric_histograms`): bucket `idx`
 * holds the durations d (ms) with floor(4 · log2(d + 1)) = idx, so each bucket is about 19 % wide
 * and a percentile read from them is within that of the exact one. The SQL side computes the same
 * index (`HISTOGRAM_INDEX_SQL`).
 */
export const HISTOGRAM_STEPS_PER_DOUBLING = 4;

/** The SQL expression of a bucket index for the duration column `column`. */
export function histogramIndexSql(column: string): string {
  return `least(floor(${HISTOGRAM_STEPS_PER_DOUBLING} * log(2, greatest(0, ${column})::numeric + 1)), 32000)::smallint`;
}

export function histogramIndex(durationMs: number): number {
  return Math.min(Math.floor(HISTOGRAM_STEPS_PER_DOUBLING * Math.log2(Math.max(0, durationMs) + 1)), 32000);
}

/** The value a bucket stands for: its geometric middle. */
export function histogramValue(index: number): number {
  return Math.max(0, 2 ** ((index + 0.5) / HISTOGRAM_STEPS_PER_DOUBLING) - 1);
}

/** Counts by bucket index. */
export type DurationHistogram = ReadonlyMap<number, number>;

/** The `q` quantile (0–1) of a histogram, in ms, rounded to 0.1 ms; null when it is empty. */
export function histogramQuantile(histogram: DurationHistogram, q: number): number | null {
  let total = 0;
  for (const count of histogram.values()) total += count;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const index of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(index)!;
    if (seen >= rank) return Math.round(histogramValue(index) * 10) / 10;
  }
  return null;
}

export function histogramTotal(histogram: DurationHistogram): number {
  let total = 0;
  for (const count of histogram.values()) total += count;
  return total;
}
