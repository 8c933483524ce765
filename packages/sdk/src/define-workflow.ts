import type { WorkflowDefinitionInput } from '@agentic-flow/spec';

/** `T` with every property and array read-only, all the way down: what `as const` makes of a literal. */
export type ReadonlyDeep<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? readonly ReadonlyDeep<U>[]
    : T extends object
      ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> }
      : T;

/** A definition as `createWorkflow` and `start` take it: written out, or `as const` (read-only). */
export type WorkflowDefinitionLike = ReadonlyDeep<WorkflowDefinitionInput>;

/** The step ids of a definition whose type kept them (from {@link defineWorkflow} or `as const`). */
export type StepIdsOf<W> = W extends { readonly steps: readonly (infer S)[] } ? (S extends { readonly id: infer Id extends string } ? Id : never) : never;

/**
 * An execution's `results` of workflow `W`: one key per step id, each the output of the step (the
 * latest loop iteration's; absent when the step did not succeed, e.g. the branch not taken), typed
 * `unknown` until you say more with `result<T>()`.
 */
export type ResultsOf<W> = string extends StepIdsOf<W> ? Record<string, unknown> : { [Id in StepIdsOf<W>]: unknown };

/**
 * Returns the definition as it is, typed with its literal step ids, so an execution's results are
 * typed by them: `(await run.result()).save` compiles, `.sav` does not. The definition is checked
 * against the definition schema's types as you write it.
 *
 * @example
 * const pipeline = defineWorkflow({
 *   id: 'pipeline', name: 'Pipeline', version: '1.0.0',
 *   steps: [
 *     { id: 'fetch', type: 'script', config: { script: 'return [1, 2, 3];' }, next: ['sum'] },
 *     { id: 'sum', type: 'script', config: { script: 'return results.fetch.reduce((a, b) => a + b, 0);' } },
 *   ],
 * });
 * await client.createWorkflow(pipeline);
 * const run = await client.start(pipeline);
 * const { sum } = await run.result(); // sum: unknown; run.result<{ sum: number }>() to say more
 */
export function defineWorkflow<const W extends WorkflowDefinitionLike>(definition: W): W {
  return definition;
}
