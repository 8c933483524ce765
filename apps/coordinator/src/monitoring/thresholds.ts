import { z } from 'zod';

const DAY_MS = 86_400_000;

/**
 * What `updateThresholds` accepts, each bounded: a value out of range is refused (400) and nothing
 * is changed. `null` removes a key (its default applies again).
 */
export const ThresholdsSchema = z.strictObject({
  /** p95 execution time (ms) over the evaluation window above which a namespace alerts. */
  maxExecutionTime: z
    .number()
    .int()
    .min(1)
    .max(7 * DAY_MS)
    .nullable()
    .optional(),
  /** Share of settled executions that failed (0–1) above which a namespace alerts. */
  maxErrorRate: z.number().min(0).max(1).nullable().optional(),
  /** p95 step run time (ms) per step type above which a namespace alerts. */
  maxStepExecutionTime: z
    .number()
    .int()
    .min(1)
    .max(7 * DAY_MS)
    .nullable()
    .optional(),
  /** Waiting jobs on one step queue above which the cluster alerts. */
  maxQueueSize: z.number().int().min(1).max(100_000_000).nullable().optional(),
  /** Age (ms) of a step queue's oldest waiting job above which the cluster alerts. */
  maxQueueWaitTime: z
    .number()
    .int()
    .min(1)
    .max(7 * DAY_MS)
    .nullable()
    .optional(),
  /** New dead letters since the queue was last quiet that make an alert. */
  maxDeadLetterGrowth: z.number().int().min(1).max(1_000_000).nullable().optional(),
  /** Settled executions (or step runs) a window needs before its rates and percentiles count. */
  minSamples: z.number().int().min(1).max(1_000_000).nullable().optional(),
  /** The window (ms, ending now) the threshold conditions are evaluated over. */
  evaluationWindow: z.number().int().min(1_000).max(DAY_MS).nullable().optional(),
});

export type ThresholdsInput = z.infer<typeof ThresholdsSchema>;

export const DEFAULT_THRESHOLDS = {
  maxExecutionTime: 300_000,
  maxErrorRate: 0.1,
  maxStepExecutionTime: 60_000,
  maxQueueSize: 1_000,
  maxQueueWaitTime: 300_000,
  maxDeadLetterGrowth: 1,
  minSamples: 10,
  evaluationWindow: 300_000,
} as const;

export type Thresholds = { -readonly [K in keyof typeof DEFAULT_THRESHOLDS]: number };

/** The stored thresholds over the defaults (a stored value out of today's range is ignored). */
export function effectiveThresholds(stored: Record<string, unknown>): Thresholds {
  const out: Thresholds = { ...DEFAULT_THRESHOLDS };
  for (const key of Object.keys(DEFAULT_THRESHOLDS) as (keyof Thresholds)[]) {
    const parsed = ThresholdsSchema.shape[key].safeParse(stored[key]);
    if (parsed.success && typeof parsed.data === 'number') out[key] = parsed.data;
  }
  return out;
}

/** `startMonitoring(intervalMs)`: the leader's evaluation interval. */
export const IntervalSchema = z.strictObject({ intervalMs: z.number().int().min(100).max(DAY_MS) });
