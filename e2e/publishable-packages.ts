import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: unknown;
  files?: string[];
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
}

export interface Packed {
  name: string;
  /** The tarball, in the destination directory. */
  tarball: string;
  /** The paths it holds, relative to the package. */
  files: string[];
}

/** The workspace's packages meant for npm: those under packages/ not marked `private`. */
export function publishablePackages(): { dir: string; manifest: PackageManifest }[] {
  return readdirSync(join(repoRoot, 'packages'))
    .map((name) => join(repoRoot, 'packages', name))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest }))
    .filter(({ manifest }) => manifest.private !== true);
}

/**
 * `pnpm pack` of every publishable package into `destination`: what `pnpm publish` would upload,
 * with `workspace:*` ranges replaced by the versions. Packs the built `dist/`, so build first.
 */
export async function packPublishable(destination: string): Promise<Packed[]> {
  const packed: Packed[] = [];
  for (const { dir } of publishablePackages()) {
    const { stdout } = await run(pnpmCommand(), ['pack', '--json', '--pack-destination', destination], dir);
    const report = JSON.parse(stdout) as { name: string; filename: string; files: { path: string }[] };
    packed.push({ name: report.name, tarball: join(destination, basename(report.filename)), files: report.files.map((f) => f.path) });
  }
  return packed;
}

/** The pnpm running these tests (`pnpm test` sets npm_execpath), else the one on PATH. */
function pnpmCommand(): string[] {
  const execPath = process.env['npm_execpath'];
  return execPath !== undefined && /pnpm/.test(basename(execPath)) ? [process.execPath, execPath] : ['pnpm'];
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; rejects, with its output, unless it exits 0 (or `allowFailure`). */
export function run(command: string[], args: string[], cwd: string, options: { env?: NodeJS.ProcessEnv; allowFailure?: boolean } = {}): Promise<RunResult> {
  const [file = '', ...prefix] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...prefix, ...args], { cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(new Error(`${file} could not be started (is it installed and on PATH?): ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0 || options.allowFailure) resolve({ code, stdout, stderr });
      else reject(new Error(`${[...command, ...args].join(' ')} (in ${cwd}) exited with ${code}\n${stdout}\n${stderr}`));
    });
  });
}
