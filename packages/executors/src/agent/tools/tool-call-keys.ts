import { toolCallIdempotencyKeyOf } from '../../idempotency-key.js';

/**
 * Hands out the `Idempotency-Key` of each tool call in one agent run: the n-th call of a tool gets
 * `toolCallIdempotencyKeyOf(step key, tool, n)`.
 *
 * Why ordinals and not the model's tool call ids: providers mint those ids at random for every
 * reply (OpenAI's `call_…`, Anthropic's `toolu_…`), so a re-run of the step — after a worker died
 * mid-run, a BullMQ retry, a reconciler re-enqueue — would send new keys for the very same calls,
 * and the target would apply them again. An ordinal survives the re-run as long as the model makes
 * the same calls in the same order. Counted per tool, so a model that adds a `run_script` call on
 * the re-run still sends its first request with the first request's key.
 *
 * The limit: a model that plans differently on the re-run makes different calls, and the n-th call
 * then carries the key of whatever the n-th call was before. A target that checks a key's request
 * against the one it first saw with it (Stripe answers 400 to a mismatch) tells the model so; one
 * that does not replays the first call's response.
 */
export class ToolCallKeys {
  private readonly calls = new Map<string, number>();

  /** `stepKey`: the agent step attempt's own key (`idempotencyKeyOf`); without one, no call gets a key. */
  constructor(private readonly stepKey: string | undefined) {}

  /** The key of the next call of `tool`, counting it. */
  next(tool: string): string | undefined {
    if (this.stepKey === undefined) return undefined;
    const ordinal = (this.calls.get(tool) ?? 0) + 1;
    this.calls.set(tool, ordinal);
    return toolCallIdempotencyKeyOf(this.stepKey, tool, ordinal);
  }
}
