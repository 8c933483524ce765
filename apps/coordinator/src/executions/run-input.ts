import type { SecretSlot } from '@agentic-flow/spec';

/**
 * What a queued step run stores as its `input`, so that its job can be built again (the reconciler,
 * a resume) exactly as the engine made it: the resolved config, and, when the config references
 * secrets, the slots the worker fills — `{ config, secretSlots }`. A step config never has a
 * top-level `secretSlots` field (every step schema is strict), so the two shapes cannot be confused.
 * Secret values are never in either: a slot holds names.
 */
export function runInput(config: unknown, secretSlots: readonly SecretSlot[] | undefined): unknown {
  return secretSlots && secretSlots.length > 0 ? { config, secretSlots } : config;
}

/** The job fields a stored run `input` gives back (see {@link runInput}). */
export function jobConfigOf(input: unknown): { config: unknown; secretSlots?: SecretSlot[] } {
  if (input !== null && typeof input === 'object' && !Array.isArray(input) && Object.hasOwn(input, 'secretSlots')) {
    const { config, secretSlots } = input as { config: unknown; secretSlots: SecretSlot[] };
    return { config, secretSlots };
  }
  return { config: input };
}
