import { register } from 'node:module';

/**
 * The modules the pg, ioredis and undici instrumentations patch: only these are intercepted, so
 * every other module (the app's own, BullMQ, zod…) loads as it would without tracing.
 */
const INSTRUMENTED_MODULES = ['pg', 'pg-pool', 'ioredis', 'undici'];

/**
 * Registers import-in-the-middle's loader hook, so the pg, ioredis and undici instrumentations can
 * patch modules loaded through ESM `import` (require-in-the-middle sees only `require`). Must run
 * before those modules load: the apps' `main.ts` calls it, starts telemetry, and only then imports
 * the rest of the app dynamically. Called only when traces are exported.
 */
export function registerModuleHooks(): void {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: INSTRUMENTED_MODULES } });
}
