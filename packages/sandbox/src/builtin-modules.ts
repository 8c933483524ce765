/**
 * The modules every registry has unless told otherwise: what a script may list in `allowedModules`.
 * Names only, apart from their sources (`module-registry.ts`, whose table must have exactly these
 * keys), so a definition can be checked against them without loading anything.
 */
export const BUILTIN_MODULES = Object.freeze(['lodash', 'uuid'] as const);

export type BuiltinModule = (typeof BUILTIN_MODULES)[number];
