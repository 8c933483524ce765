import type { AccessAdmin, AgenticFlowClient, ExecutionHandle, WorkflowErrorHandler, WorkflowMonitor } from '@agentic-flow/sdk';

/**
 * The SDK's public surface, computed by the compiler from the installed declarations: every public
 * method of the client and of the objects it hands out. `keyof` sees public members only, so the
 * plan (plan.ts) must call exactly these — a method the SDK gains fails this program's build until
 * the plan calls it. New objects with methods of their own (an execution handle…) are one more line.
 */
export type Methods<T> = { [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K & string : never }[keyof T];

export type Surface =
  | `client.${Methods<AgenticFlowClient>}`
  | `handle.${Methods<ExecutionHandle>}`
  | `errorHandler.${Methods<WorkflowErrorHandler>}`
  | `monitor.${Methods<WorkflowMonitor>}`
  | `access.${Methods<AccessAdmin>}`;

/** `true` when `T` is `any`: what a type that did not resolve becomes. */
export type IsAny<T> = 0 extends 1 & T ? true : false;

/**
 * Dotted paths (to `depth` levels) under `T` whose type is `any`; `never` when there are none.
 * Functions are not entered; arrays are entered through their elements (`[]`).
 */
export type AnyPaths<T, Depth extends unknown[] = []> =
  IsAny<T> extends true
    ? ''
    : Depth['length'] extends 4
      ? never
      : T extends (...args: never[]) => unknown
        ? never
        : T extends readonly (infer E)[]
          ? Prefixed<'[]', AnyPaths<E, [...Depth, 1]>>
          : T extends object
            ? { [K in keyof T & string]-?: Prefixed<K, AnyPaths<T[K], [...Depth, 1]>> }[keyof T & string]
            : never;
type Prefixed<K extends string, P> = P extends string ? (P extends '' ? K : `${K}.${P}`) : never;

/** For each method of `T` (reached as `name`), the `any` paths in what it resolves with: `never` when its results are fully typed. */
export type AnyInResults<Name extends string, T> = {
  [K in Methods<T>]: T[K] extends (...args: never[]) => infer R ? Prefixed<`${Name}.${K}`, AnyPaths<Awaited<R>>> : never;
}[Methods<T>];
