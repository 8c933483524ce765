import type { StepResult } from './step-result.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Fields of a result that may arrive as JSON text already: they are the large ones. */
export type PreSerializedField = 'output' | 'variableUpdates' | 'agent';

/** A result without its large fields; {@link stepResultJson} adds them as JSON text. */
export type StepResultEnvelope = DistributiveOmit<StepResult, PreSerializedField>;

/** The large fields of a result as JSON text; an absent field is left out of the result. */
export type PreSerializedFields = Partial<Record<PreSerializedField, string>>;

/**
 * The JSON text of a result, with its large fields spliced in as the JSON text they already are.
 * The worker serializes an output once, to measure it against its limits (and to prove it can be
 * serialized at all); serializing it again to report it would double the cost of large outputs on
 * every step. The texts must be valid JSON: they are not checked again.
 *
 * @example
 * stepResultJson({ v: 1, outcome: 'succeeded', …envelope }, { output: '{"n":1}' });
 * // '{"v":1,"outcome":"succeeded",…,"output":{"n":1}}'
 */
export function stepResultJson(envelope: StepResultEnvelope, fields: PreSerializedFields = {}): string {
  // The envelope always has fields (`v` first), so its text ends in `}` after at least one member.
  const head = JSON.stringify(envelope);
  let tail = '';
  for (const name of ['output', 'variableUpdates', 'agent'] as const) {
    const json = fields[name];
    if (json !== undefined) tail += `,"${name}":${json}`;
  }
  return tail === '' ? head : `${head.slice(0, -1)}${tail}}`;
}
