import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, run, type RunResult } from './publishable-packages.js';

/**
 * A user's project outside the workspace (so nothing resolves through the monorepo's
 * node_modules): the program in e2e/outside-project/, with the SDK installed by npm from tarballs.
 */
const PROGRAM = join(repoRoot, 'e2e', 'outside-project');

/** Shared by runs but outside the workspace and the user's own cache: npm fetches zod & co. once. */
export const NPM_CACHE_DIR = 'agentic-flow-e2e-npm-cache';

/**
 * npm reads `npm_config_*` from the environment, and `pnpm test` sets many (its global config
 * file, frozen-lockfile…) that mean nothing to npm: drop them, keeping the registry, proxy and TLS
 * settings a user's network may need.
 */
function npmEnvironment(): NodeJS.ProcessEnv {
  const keep = /^npm_config_(registry|cafile|ca|proxy|https_proxy|noproxy|strict_ssl)$/i;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm|pnpm)_/i.test(key) || keep.test(key)));
}

export async function createOutsideProject(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  // Only the program's sources: not a dist/ or node_modules/ left by compiling it in place.
  await cp(PROGRAM, dir, { recursive: true, filter: (source) => !/[\\/](dist|node_modules)([\\/]|$)/.test(source.slice(PROGRAM.length)) });
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'agentic-flow-outside-project', private: true, type: 'module' }, null, 2)}\n`);
}

/** `npm install` of the tarballs (and registry packages such as @types/node) into the project. */
export function npmInstall(dir: string, specs: string[], cacheDir: string): Promise<RunResult> {
  return run(['npm'], ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', '--cache', cacheDir, ...specs], dir, {
    env: npmEnvironment(),
  });
}

/** The workspace's TypeScript compiler on the project's tsconfig.json (strict, no skipLibCheck). */
export function compile(dir: string): Promise<RunResult> {
  return run([join(repoRoot, 'node_modules', '.bin', 'tsc')], ['-p', join(dir, 'tsconfig.json')], dir, { allowFailure: true });
}
