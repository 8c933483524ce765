import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { providersFromEnv } from '@agentic-flow/executors';
import { ConfigSchema as CoordinatorConfigSchema } from '../apps/coordinator/src/config.js';
import { ConfigSchema as WorkerConfigSchema } from '../apps/worker/src/config.js';

/**
 * Every environment variable our apps read, by app, as names the README can list: a family of
 * variables is written with `<NAME>` for its variable part (`AF_SECRET_<NAME>`) or ending in `*`
 * for a prefix passed on as a whole (`AGENT_*`). Variables that libraries read for themselves
 * (`NODE_ENV`, `OTEL_TRACES_SAMPLER`…) are theirs, not ours, and not listed.
 */
export type App = 'coordinator' | 'worker' | 'cli';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Sources: the config schemas, reads of `env['X']`/`env.X` in the apps' code, and the families below. */
export function variablesReadBy(app: App): Set<string> {
  const names = new Set(literalReads(`apps/${app}/src`));
  // Both servers boot telemetry (bootTelemetry), which reads the tracing variables itself.
  if (app === 'coordinator' || app === 'worker') for (const name of literalReads('packages/telemetry/src')) names.add(name);
  if (app === 'coordinator') for (const name of Object.keys(CoordinatorConfigSchema.shape)) names.add(name);
  if (app === 'worker') {
    for (const name of Object.keys(WorkerConfigSchema.shape)) names.add(name);
    for (const name of providerVariables()) names.add(name);
  }
  for (const family of FAMILIES.filter((f) => f.app === app)) names.add(family.name);
  return names;
}

/**
 * Families the apps read by walking the whole environment, which no schema or literal shows. Each
 * names the code that reads it; `familiesStillRead` checks that code is still there.
 */
export const FAMILIES: { app: App; name: string; file: string; code: string }[] = [
  { app: 'coordinator', name: 'AF_SECRET_<NAME>', file: 'apps/coordinator/src/config.ts', code: "key.startsWith('AF_SECRET_')" },
  { app: 'worker', name: 'AF_SECRET_<NAME>', file: 'apps/worker/src/config.ts', code: "key.startsWith('AF_SECRET_')" },
  // The demo hands the model settings it finds to its agent workers as they are.
  { app: 'cli', name: 'AGENT_*', file: 'apps/cli/src/demo.ts', code: 'const MODEL_SETTINGS = /^(AGENT_|OPENAI_|ANTHROPIC_)/' },
  { app: 'cli', name: 'OPENAI_*', file: 'apps/cli/src/demo.ts', code: 'const MODEL_SETTINGS = /^(AGENT_|OPENAI_|ANTHROPIC_)/' },
  { app: 'cli', name: 'ANTHROPIC_*', file: 'apps/cli/src/demo.ts', code: 'const MODEL_SETTINGS = /^(AGENT_|OPENAI_|ANTHROPIC_)/' },
];

export function familiesStillRead(): string[] {
  return FAMILIES.filter((family) => !readFileSync(join(root, family.file), 'utf8').includes(family.code)).map(
    (f) => `${f.app} ${f.name}: ${f.file} no longer has ${f.code}`,
  );
}

/** `env['X']`, `env["X"]`, `env.X`, `process.env…` in the TypeScript files under `dir`. */
export function literalReads(dir: string): string[] {
  const files = readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  const names = files.flatMap((file) =>
    [...readFileSync(join(root, dir, file), 'utf8').matchAll(/\benv(?:\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]|\.([A-Z][A-Z0-9_]*)\b)/g)].map(
      (m) => m[1] ?? m[2] ?? '',
    ),
  );
  return [...new Set(names)];
}

/**
 * What the worker's model providers read (`providersFromEnv`, handed the worker's whole
 * environment), recorded by running it over a proxy: once unconfigured, once with every kind of
 * provider configured, so each branch reads what it reads. `AGENT_PROVIDER_<NAME>_<SETTING>`
 * reads, the built-in providers' included, are the one family the README lists.
 */
export function providerVariables(): Set<string> {
  const read = new Set<string>();
  const recording = (values: Record<string, string>): NodeJS.ProcessEnv =>
    new Proxy(values, {
      get: (target, key) => {
        if (typeof key === 'string') read.add(key);
        return target[key as string];
      },
    });
  providersFromEnv(recording({}));
  providersFromEnv(
    recording({
      ANTHROPIC_API_KEY: 'k',
      AGENT_PROVIDER_LOCAL_BASE_URL: 'http://127.0.0.1:1/v1',
      AGENT_PROVIDER_LOCAL_MODEL: 'm',
      AGENT_PROVIDER_LOCAL_KIND: 'openai',
      AGENT_PROVIDER_LOCAL_PRICE_INPUT: '1',
      AGENT_PROVIDER_LOCAL_PRICE_OUTPUT: '1',
    }),
  );
  const family = /^AGENT_PROVIDER_[A-Z0-9_]+?_(BASE_URL|KIND|API_KEY|MODEL|PRICE_INPUT|PRICE_OUTPUT)$/;
  return new Set([...read].filter((key) => /^[A-Z][A-Z0-9_]*$/.test(key)).map((key) => key.replace(family, 'AGENT_PROVIDER_<NAME>_$1')));
}
