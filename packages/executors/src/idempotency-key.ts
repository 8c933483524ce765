import { createHash } from 'node:crypto';

/**
 * The `Idempotency-Key` a step instance's side effects carry: the same for every try of one
 * attempt of one step instance — the http step's own retries, BullMQ's retries (`onError: retry`),
 * another worker running the job after one died mid-call, the reconciler enqueueing it again — and
 * different for a new attempt the engine makes (a resume re-running a failed step). So a target
 * that honours the header (Stripe-style) applies each side effect once however often the engine
 * must send it.
 *
 * `af1_` + base64url(SHA-256(execution id ‖ NUL ‖ instance key ‖ NUL ‖ attempt)): instance keys
 * hold characters a header should not (`~`, `/`, loop frames), and a hash keeps it short and opaque.
 */
export function idempotencyKeyOf(step: { executionId: string; instanceKey: string; attempt: number }): string {
  return `af1_${createHash('sha256').update(`${step.executionId}\0${step.instanceKey}\0${step.attempt}`).digest('base64url')}`;
}
