import { execFile, spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

/** The code block of the README's "Using it" section, as a reader copies it. */
async function usingItExample(): Promise<string> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Using it\n'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md: no ```ts block under "## Using it"');
  return block[1]!;
}

/**
 * The README's example is true (issue 15): copied out of README.md as it stands, it type-checks
 * under `strict` against the SDK's declarations and runs to the end against a real cluster, in a
 * directory outside the workspace that sees only the SDK (and Node's types).
 */
describe('the README "Using it" example', () => {
  let cluster: Cluster;
  let dir: string;

  beforeAll(async () => {
    cluster = await startCluster([['script']]);
    dir = await mkdtemp(join(tmpdir(), 'af-readme-'));
    await mkdir(join(dir, 'node_modules', '@agentic-flow'), { recursive: true });
    await mkdir(join(dir, 'node_modules', '@types'), { recursive: true });
    await symlink(join(root, 'packages', 'sdk'), join(dir, 'node_modules', '@agentic-flow', 'sdk'));
    await symlink(join(root, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
          skipLibCheck: true,
        },
        files: ['example.mts'],
      }),
    );
    const example = await usingItExample();
    await writeFile(join(dir, 'example.mts'), example);
    await writeFile(join(dir, 'example.mjs'), example);
  });
  afterAll(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('type-checks under strict', async () => {
    const tsc = await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir]).catch(
      (error: { stdout?: string; stderr?: string }) => error,
    );
    expect(`${tsc.stdout ?? ''}${tsc.stderr ?? ''}`).toBe('');
  });

  it('runs as written against the cluster, twice (registering again is a no-op)', async () => {
    const env = { ...process.env, AF_URL: cluster.coordinator.url, AF_API_KEY: cluster.coordinator.adminKey };
    for (let i = 0; i < 2; i++) {
      const { stdout } = await run(process.execPath, [join(dir, 'example.mjs')], { cwd: dir, env, timeout: 60_000 });
      expect(stdout).toContain('fetch-data succeeded');
      expect(stdout).toContain('save succeeded');
      expect(stdout).toContain('saved { count: 1 }');
      expect(stdout).toContain("[ 'saving 1' ]");
    }
    expect((await cluster.client.listExecutions({ workflowId: 'my-workflow' })).items.map((e) => e.status)).toEqual(['completed', 'completed']);
  });
});

describe('the README "Using it" example against `demo --serve`', () => {
  it('runs as written with the AF_URL and AF_API_KEY the demo prints', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-readme-demo-'));
    await mkdir(join(dir, 'node_modules', '@agentic-flow'), { recursive: true });
    await symlink(join(root, 'packages', 'sdk'), join(dir, 'node_modules', '@agentic-flow', 'sdk'));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(join(dir, 'example.mjs'), await usingItExample());
    const demo = spawn(process.execPath, ['--no-node-snapshot', join(root, 'apps', 'cli', 'dist', 'main.js'), 'demo', '--serve'], {
      env: { ...process.env, NO_COLOR: '1', LOG_LEVEL: 'warn' /* raised to info: the demo must still start */ },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    try {
      let out = '';
      const exports = await new Promise<Record<string, string>>((resolve, reject) => {
        demo.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const url = /export AF_URL=(\S+)/.exec(out)?.[1];
          const key = /export AF_API_KEY=(\S+)/.exec(out)?.[1];
          if (url && key) resolve({ AF_URL: url, AF_API_KEY: key });
        });
        void exited.then((code) => reject(new Error(`the demo exited (${code}) before serving:\n${out}`)));
      });
      const { stdout } = await run(process.execPath, [join(dir, 'example.mjs')], { cwd: dir, env: { ...process.env, ...exports }, timeout: 60_000 });
      expect(stdout).toContain('saved { count: 1 }');
      demo.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      demo.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
