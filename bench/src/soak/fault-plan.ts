export type FaultKind = 'worker SIGKILL' | 'coordinator SIGKILL' | 'FLUSHALL' | 'PostgreSQL restart';

/** A fault due once this share of the executions has settled. */
export interface PlannedFault {
  kind: FaultKind;
  atProgress: number;
}

/** A fault as it happened. */
export interface FaultEvent {
  kind: FaultKind;
  at: number;
  /** When the fault itself was over (the restart returned); equals `at` for instant ones. */
  endedAt: number;
  target?: string;
  /** The pid a SIGKILL ended. */
  pid?: number;
  /** Executions submitted and not settled at that moment. */
  inFlight: number;
  /** Step jobs waiting and active at that moment (read for FLUSHALL). */
  jobs?: { waiting: number; active: number };
  /** Until the next execution settled after the fault was over (undefined: none did). */
  nextSettleMs?: number;
}

/** `count` points spread evenly over [from, to], each moved by up to half a gap at random. */
function spread(count: number, from: number, to: number, random: () => number): number[] {
  const gap = (to - from) / Math.max(count, 1);
  return Array.from({ length: count }, (_, i) => from + gap * (i + 0.5) + (random() - 0.5) * gap);
}

/**
 * When each fault happens, by progress rather than by clock, so the same plan covers the whole run
 * on a fast machine and a slow one. The flush and the restart come mid-run, away from each other.
 */
export function planFaults(
  options: { workerKills: number; coordinatorKills: number; flush: boolean; pgRestart: boolean },
  random: () => number,
): PlannedFault[] {
  const plan: PlannedFault[] = [
    ...spread(options.workerKills, 0.03, 0.92, random).map((atProgress) => ({ kind: 'worker SIGKILL' as const, atProgress })),
    ...spread(options.coordinatorKills, 0.05, 0.9, random).map((atProgress) => ({ kind: 'coordinator SIGKILL' as const, atProgress })),
    ...(options.flush ? [{ kind: 'FLUSHALL' as const, atProgress: 0.4 }] : []),
    ...(options.pgRestart ? [{ kind: 'PostgreSQL restart' as const, atProgress: 0.65 }] : []),
  ];
  return plan.sort((a, b) => a.atProgress - b.atProgress);
}
