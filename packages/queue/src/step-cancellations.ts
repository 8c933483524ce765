import { z } from 'zod';
import { DEFAULT_PREFIX } from './names.js';

/**
 * How long a cancelled run's marker key lives. It serves two late readers: a worker that was
 * disconnected when the cancellation was published (it checks its running jobs on re-subscribe,
 * seconds later), and a job that was running on a worker that died and comes back from the stalled
 * check (after the lock duration plus the stalled interval, or once a worker of its type is back).
 * An hour covers both with room; each marker is a few dozen bytes.
 */
export const CANCELLED_MARKER_TTL_MS = 60 * 60 * 1000;

/** Redis names of the cancellation signal, under the BullMQ prefix. */
export interface StepCancellationKeys {
  /** Pub/sub channel: one message per coordinator transaction that cancelled runs. */
  channel: string;
  /** The marker key of one cancelled run, set with a TTL in the same round trip as the message. */
  marker(stepRunId: string): string;
}

export function stepCancellationKeys(prefix: string = DEFAULT_PREFIX): StepCancellationKeys {
  return {
    channel: `${prefix}:step-cancellations`,
    marker: (stepRunId) => `${prefix}:cancelled:${stepRunId}`,
  };
}

/** The message: the ids of the step runs (= BullMQ job ids) one coordinator transaction cancelled. */
export const StepCancellationMessageSchema = z.object({
  v: z.literal(1),
  stepRunIds: z.array(z.string().min(1)).min(1),
});

export type StepCancellationMessage = z.infer<typeof StepCancellationMessageSchema>;
