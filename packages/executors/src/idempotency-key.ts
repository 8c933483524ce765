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
  return `af1_${sha256(`${step.executionId}\0${step.instanceKey}\0${step.attempt}`)}`;
}

/**
 * The `Idempotency-Key` of the `ordinal`-th call (from 1) of the agent tool `tool` in one run of an
 * agent step whose own key is `stepKey`: distinct for every call of the run, and the same for the
 * same call when the step runs again (a worker died mid-run, BullMQ retried, the reconciler
 * re-enqueued) — provided the model makes its calls in the same order; see `ToolCallKeys`.
 *
 * Same shape as a step's key; the `tool-call` label keeps the two families apart.
 */
export function toolCallIdempotencyKeyOf(stepKey: string, tool: string, ordinal: number): string {
  return `af1_${sha256(`tool-call\0${stepKey}\0${tool}\0${ordinal}`)}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
