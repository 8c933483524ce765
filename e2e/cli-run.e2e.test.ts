import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appEntryPoint } from '@agentic-flow/testing';
import { startCluster, type Cluster } from './cluster.js';
import { rowCounter } from './row-counts.js';

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe('agentic-flow run against a real cluster', () => {
  let cluster: Cluster;
  let dir: string;

  /** Runs the built CLI as a user would (`node apps/cli/dist/main.js`), the key from AF_API_KEY. */
  const cli = (args: string[], env: Record<string, string> = {}, started?: (stderr: string) => void): Promise<Outcome> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [appEntryPoint('cli'), ...args], {
        env: { ...process.env, AF_URL: cluster.coordinator.url, AF_API_KEY: cluster.coordinator.adminKey, ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        started?.(stderr);
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const file = (name: string, definition: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof definition === 'string' ? definition : JSON.stringify(definition, null, 2));
    return path;
  };
  const greet = {
    id: 'cli-greet',
    name: 'Greet',
    version: '1',
    variables: { punctuation: '!' },
    steps: [
      { id: 'count', type: 'script', config: { script: 'return variables.count * 2;' }, next: ['greet'] },
      { id: 'greet', type: 'script', config: { script: 'return "Hello, {{ input.name }}{{ variables.punctuation }} x" + results.count;' } },
    ],
  };

  beforeAll(async () => {
    cluster = await startCluster([['script']]);
    dir = mkdtempSync(join(tmpdir(), 'af-cli-run-'));
  });
  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers a file, starts it with --var values, follows its steps and prints the results: exit 0', async () => {
    const path = file('greet.json', greet);
    const { code, stdout, stderr } = await cli(['run', path, '--var', 'name=Ada', '--var', 'count=3']);
    expect({ code, stderr }).toMatchObject({ code: 0, stderr: expect.stringContaining('registered cli-greet@1\n') });
    expect(stderr).toMatch(new RegExp(`started execution ${UUID}\n  count succeeded \\(\\d+ ms\\)\n  greet succeeded \\(\\d+ ms\\)\n`));
    const [head, ...rest] = stdout.trim().split('\n');
    expect(head).toMatch(new RegExp(`^completed: execution ${UUID} of cli-greet@1 in \\d+\\.\\d s$`));
    expect(JSON.parse(rest.join('\n'))).toEqual({ count: 6, greet: 'Hello, Ada! x6' });
  });

  it('runs the same file again without registering anything new, and a registered workflow by id, --json', async () => {
    const again = await cli(['run', join(dir, 'greet.json'), '--var', 'name=Bo', '--var', 'count=1']);
    expect(again).toMatchObject({ code: 0, stderr: expect.stringContaining('cli-greet@1 is registered already, with the same content') });
    expect((await cluster.client.listWorkflows()).items.filter((w) => w.id === 'cli-greet')).toHaveLength(1);
    const byId = await cli(['run', 'cli-greet', '--version', '1', '--var', 'name=Cy', '--var', 'count=2', '--json']);
    expect(byId.code).toBe(0);
    expect(JSON.parse(byId.stdout)).toMatchObject({
      status: 'completed',
      workflowId: 'cli-greet',
      input: { name: 'Cy', count: 2 },
      results: { greet: 'Hello, Cy! x4' },
    });
  });

  it('exits 1 with the failing step when the execution fails', async () => {
    const path = file(
      'boom.yaml',
      'id: cli-boom\nname: Boom\nversion: "1"\nsteps:\n  - id: boom\n    type: script\n    config:\n      script: throw new Error("it broke")\n',
    );
    const { code, stdout, stderr } = await cli(['run', path]);
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`^failed: execution ${UUID} of cli-boom@1 in \\d+\\.\\d s: step "boom" failed with SCRIPT_ERROR: .*it broke`));
    expect(stderr).toMatch(/ {2}boom failed \(\d+ ms\): SCRIPT_ERROR: .*it broke/);
  });

  it('exits 1 when the execution is cancelled while it waits', async () => {
    const path = file('spin.json', {
      id: 'cli-spin',
      name: 'Spin',
      version: '1',
      steps: [{ id: 'spin', type: 'script', config: { script: 'while (true) {}', timeout: 120_000 } }],
    });
    let cancelled: Promise<unknown> | undefined;
    const outcome = await cli(['run', path], {}, (stderr) => {
      const id = new RegExp(`started execution (${UUID})`).exec(stderr)?.[1];
      if (id !== undefined && cancelled === undefined)
        cancelled = new Promise((resolve) => setTimeout(resolve, 300)).then(() => cluster.client.cancelExecution(id));
    });
    await cancelled;
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toMatch(new RegExp(`^cancelled: execution ${UUID} of cli-spin@1`));
  });

  it('exits 3 without an outcome, starting nothing, when the start lacks a variable: the answer names it as the --var to give', async () => {
    const rows = await rowCounter(cluster.databaseUrl);
    try {
      const before = await rows.counts();
      const { code, stderr } = await cli(['run', 'cli-greet', '--var', 'count=1']);
      expect(code).toBe(3);
      expect(stderr).toContain('agentic-flow: MISSING_VARIABLES: workflow "cli-greet" version "1" needs variables it was not given: name.');
      expect(stderr).toContain('  --var name: is required: read by {{ input.name }} at $.steps[1].config.script (step "greet")');
      expect(await rows.counts()).toEqual(before);
    } finally {
      await rows.close();
    }
  });

  it('exits 3 with the problems of a definition the coordinator refuses, as validate prints them, registering nothing', async () => {
    const bad = file('bad.json', {
      id: 'cli-bad',
      name: 'Bad',
      version: '1',
      steps: [
        { id: 'c', type: 'condition', config: { condition: 'results.x >>> ))', trueStep: 'a' } },
        { id: 'a', type: 'script', config: { script: 'return 1' } },
      ],
    });
    const run = await cli(['run', bad]);
    const validate = await cli(['validate', bad]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/bad\.json: \$\.steps\[0\]\.config\.condition: invalid expression: Unexpected token/);
    expect(run.stderr.trim()).toBe(validate.stderr.trim());
    const changed = file('greet-changed.json', { ...greet, name: 'Greet, changed' });
    expect(await cli(['run', changed, '--var', 'name=x', '--var', 'count=1'])).toMatchObject({
      code: 3,
      stderr: expect.stringContaining('already exists with different content'),
    });
    expect((await cluster.client.listWorkflows()).items.map((w) => w.id)).not.toContain('cli-bad');
  });

  it('exits 3 when the coordinator is out of reach or the execution outlasts --timeout, and 2 for a wrong command line', async () => {
    expect(await cli(['run', 'cli-greet', '--url', 'http://127.0.0.1:1'])).toMatchObject({
      code: 3,
      stderr: expect.stringContaining('cannot reach the coordinator at http://127.0.0.1:1'),
    });
    const slow = await cli(['run', join(dir, 'spin.json'), '--timeout', '1']);
    expect(slow).toMatchObject({ code: 3, stderr: expect.stringMatching(new RegExp(`execution ${UUID} is still running after 1 s; it goes on`)) });
    const running = (await cluster.client.listExecutions({ workflowId: 'cli-spin', status: 'running' })).items;
    await Promise.all(running.map((e) => cluster.client.cancelExecution(e.id)));
    expect(await cli(['run', 'cli-greet', '--var', 'oops'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--var expects name=value, got "oops"'),
    });
    expect(await cli(['run', 'missing.yaml'])).toMatchObject({ code: 2, stderr: expect.stringContaining('no such file: missing.yaml') });
  });
});
