import { register } from 'node:module';

/**
 * Registers import-in-the-middle's loader hook, so the pg, ioredis and undici instrumentations can
 * patch modules loaded through ESM `import` (require-in-the-middle sees only `require`). Must run
 * before those modules load: the apps' `main.ts` calls it, starts telemetry, and only then imports
 * the rest of the app dynamically. Called only when traces are exported: the hook inspects every
 * module loaded after it.
 */
export function registerModuleHooks(): void {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
}
