import { readFileSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from `src/` without a build. End-to-end tests spawn the built
// apps (`dist/`). Private packages point at their source with the `@agentic-flow/source` export
// condition. The published ones (spec, sdk) carry no such condition — their exports map is what
// users' tools read, and it names built files only — so they are aliased to their source here.
const conditions = ['@agentic-flow/source'];

/** `@agentic-flow/<dir>` → `packages/<dir>/src/index.ts` for every package that is not private. */
function publishedSources(): { find: RegExp; replacement: string }[] {
  const packages = new URL('./packages/', import.meta.url);
  return readdirSync(packages).flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(new URL(`${dir}/package.json`, packages), 'utf8')) as { name: string; private?: boolean };
    if (manifest.private === true) return [];
    const escaped = manifest.name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    return [{ find: new RegExp(`^${escaped}$`), replacement: new URL(`${dir}/src/index.ts`, packages).pathname }];
  });
}
const reportFile = process.env['VITEST_JSON_REPORT'];

export default defineConfig({
  resolve: { conditions, alias: publishedSources() },
  ssr: { resolve: { conditions } },
  test: {
    // isolated-vm asks for --no-node-snapshot on Node 20.
    execArgv: ['--no-node-snapshot'],
    reporters: reportFile ? ['default', ['json', { outputFile: reportFile }]] : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'test/hostile/**', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          sequence: { groupOrder: 0 },
          include: ['packages/*/test/**/*.int.test.ts', 'apps/*/test/**/*.int.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          sequence: { groupOrder: 0 },
          include: ['e2e/**/*.e2e.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          // Hostile input against real clusters: runs after the e2e tests, so its time bounds are not
          // measured on a machine busy with other projects.
          name: 'hostile',
          include: ['test/hostile/**/*.hostile.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          // Kills processes, flushes Redis and restarts PostgreSQL: it runs alone, after every other project.
          name: 'faults',
          include: ['faults/**/*.fault.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
