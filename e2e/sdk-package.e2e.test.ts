import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { NPM_CACHE_DIR, compile, createOutsideProject, npmInstall } from './outside-project.js';
import { packPublishable, publishablePackages, repoRoot, run, type PackageManifest, type Packed } from './publishable-packages.js';

/**
 * The SDK as a user gets it (issue 15): the publishable packages packed as `pnpm publish` would,
 * installed by plain `npm install <tarball>` into a project in the system's temp directory, a strict
 * program compiled against them without skipLibCheck, then run against a real cluster.
 */

/** Export conditions a user's tools know; anything else (a source condition) would point them at files we do not mean them to load. */
const STANDARD_CONDITIONS = new Set(['types', 'import', 'require', 'node', 'default']);

function conditionsOf(exportsMap: unknown): string[] {
  if (exportsMap === null || typeof exportsMap !== 'object') return [];
  return Object.entries(exportsMap).flatMap(([key, value]) => [...(key.startsWith('.') ? [] : [key]), ...conditionsOf(value)]);
}

describe('the SDK installed outside the workspace from its tarballs', () => {
  let cluster: Cluster;
  let workDir: string;
  let project: string;
  let packed: Packed[];

  beforeAll(async () => {
    cluster = await startCluster([['http', 'script']], { worker: { WORKER_CONCURRENCY: 'http=4,script=1' } });
    workDir = await mkdtemp(join(tmpdir(), 'agentic-flow-sdk-package-'));
    project = join(workDir, 'project');
  });
  afterAll(async () => {
    await cluster?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('packs spec and the SDK, each fit to publish', async () => {
    expect(
      publishablePackages()
        .map((p) => p.manifest.name)
        .sort(),
    ).toEqual(['@agentic-flow/sdk', '@agentic-flow/spec']);
    packed = await packPublishable(workDir);
    for (const { name, files } of packed) {
      expect(files, name).toContain('README.md');
      expect(files, name).toContain('dist/index.js');
      expect(files, name).toContain('dist/index.d.ts');
      expect(
        files.filter((file) => /tsbuildinfo|(^|\/)test\//.test(file)),
        name,
      ).toEqual([]);
    }
    expect(packed.find((p) => p.name === '@agentic-flow/sdk')?.files).toEqual(
      expect.arrayContaining(['cjs/package.json', 'cjs/dist/index.js', 'cjs/dist/index.d.ts']),
    );
  });

  it('installs them with npm from the tarballs alone', { timeout: 180_000 }, async () => {
    await createOutsideProject(project);
    const typesNode = (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies[
      '@types/node'
    ];
    await npmInstall(project, [...packed.map((p) => p.tarball), `@types/node@${typesNode}`], join(tmpdir(), NPM_CACHE_DIR));

    for (const { name } of packed) {
      const manifest = JSON.parse(await readFile(join(project, 'node_modules', name, 'package.json'), 'utf8')) as PackageManifest;
      expect(manifest.private, name).toBeUndefined();
      expect(manifest.files, name).toEqual(expect.any(Array));
      expect(manifest.engines?.['node'], name).toEqual(expect.any(String));
      expect(
        conditionsOf(manifest.exports).filter((condition) => !STANDARD_CONDITIONS.has(condition)),
        name,
      ).toEqual([]);
      expect(
        Object.values(manifest.dependencies ?? {}).filter((range) => range.startsWith('workspace:')),
        name,
      ).toEqual([]);
    }
  });

  it('compiles a strict program calling every public method, without skipLibCheck, with no error', async () => {
    const result = await compile(project);
    // The issue asks for this output in the closing note.
    console.log(`tsc -p ${join(project, 'tsconfig.json')} → exit ${result.code}\n${result.stdout}${result.stderr}`);
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.code).toBe(0);
  });

  it('runs it against a real cluster: every call succeeds', { timeout: 240_000 }, async () => {
    const env = { ...process.env, AF_URL: cluster.coordinator.url, AF_API_KEY: cluster.coordinator.adminKey };
    const result = await run([process.execPath], [join(project, 'dist', 'main.js')], project, { env, allowFailure: true });
    console.log(result.stdout);
    const lines = result.stdout.trim().split('\n');
    expect(
      lines.filter((line) => line.startsWith('FAILED')),
      result.stderr,
    ).toEqual([]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const { called } = JSON.parse(lines.at(-1) ?? '{}') as { called: string[] };
    // The compiler made `called` every public method; here each of them ran and passed.
    for (const method of called)
      expect(
        lines.some((line) => line.startsWith(`ok ${method} (`)),
        method,
      ).toBe(true);
    expect(called.length).toBeGreaterThanOrEqual(50);
  });

  it('loads the CommonJS entry with require, typed as completely', async () => {
    const env = { ...process.env, AF_URL: cluster.coordinator.url, AF_API_KEY: cluster.coordinator.adminKey };
    const result = await run([process.execPath], [join(project, 'dist', 'require-check.cjs')], project, { env });
    expect(JSON.parse(result.stdout)).toEqual({ health: expect.stringMatching(/^(healthy|degraded|critical)$/), refusal: 'WORKFLOW_NOT_FOUND' });
  });
});
