import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appEntryPoint } from '@agentic-flow/testing';
import { startCluster, type Cluster } from './cluster.js';

interface Problem {
  path: string;
  message: string;
}
interface Verdict {
  valid: boolean;
  problems: Problem[];
}

const examples = new URL('../examples/', import.meta.url);
const json = (value: unknown) => JSON.stringify(value);
const wf = (id: string, steps: unknown[], extra: Record<string, unknown> = {}) => ({ id, name: id, version: '1', steps, ...extra });
const script = (id: string, config: Record<string, unknown> = {}, next: string[] = []) => ({
  id,
  type: 'script',
  config: { script: 'return 1;', ...config },
  next,
});

/**
 * One corpus, valid and invalid, from the expression compile to the bytes of the file. `text` is
 * what the file holds (a string as UTF-8). `transport`: the coordinator refuses it before reading it
 * (413, no problems), so only the verdicts are compared.
 */
const corpus: { name: string; text: string | Uint8Array; valid: boolean; transport?: true }[] = [
  ...readdirSync(examples)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => ({ name: `example-${file}`, text: readFileSync(new URL(file, examples), 'utf8'), valid: true })),
  { name: 'json', text: json(wf('json-ok', [script('a')])), valid: true },
  {
    name: 'expression-outside-the-safe-subset',
    text: json(wf('unsafe', [{ id: 'c', type: 'condition', config: { condition: 'Object.keys(results).length > 0', trueStep: 'a' } }, script('a')])),
    valid: true,
  },
  {
    name: 'expression-syntax',
    text: json(wf('bad-expression', [{ id: 'c', type: 'condition', config: { condition: 'results.x >>> ))', trueStep: 'a' } }, script('a')])),
    valid: false,
  },
  {
    name: 'expression-escaping-its-wrapper',
    text: json(
      wf('escape', [{ id: 'l', type: 'loop', config: { loopStep: 'b', condition: 'true', breakCondition: '1); }); (function () { (1' } }, script('b')]),
    ),
    valid: false,
  },
  {
    name: 'schema',
    text: json({ id: 'schema', version: '1', steps: [{ id: 'a', type: 'script', config: { script: 'return 1', colour: 'red' } }] }),
    valid: false,
  },
  { name: 'graph', text: json(wf('graph', [script('a', {}, ['b']), script('b', {}, ['a']), script('c', {}, ['ghost'])])), valid: false },
  {
    name: 'templates',
    text: json(wf('templates', [{ id: 'h', type: 'http', config: { url: '{{ nope }}/x', headers: { a: '{{ variables.x' } } }])),
    valid: false,
  },
  { name: 'secret-in-a-script-template', text: json(wf('secret-script', [script('a', { script: 'return "{{ secrets.TOKEN }}";' })])), valid: false },
  { name: 'caps', text: json(wf('caps', [script('a', { timeout: 400_000, memoryLimit: 1024, allowedModules: ['lodash', 'left-pad'] })])), valid: false },
  { name: 'step-type-like-a-prototype-property', text: json(wf('proto-type', [{ id: 'a', type: '__proto__', config: {} }])), valid: false },
  { name: 'yaml-syntax', text: 'id: [unclosed\nname: x\n', valid: false },
  { name: 'yaml-duplicate-key', text: 'id: dup\nid: dup2\nname: x\nversion: "1"\nsteps: []\n', valid: false },
  { name: 'json-duplicate-key', text: '{"id": "dup", "id": "dup2", "name": "x", "version": "1", "steps": []}', valid: false },
  { name: 'nul-character', text: json(wf('nul', [script('a', { script: 'return "\u0000";' })])), valid: false },
  { name: 'lone-surrogate', text: '{"id":"surrogate","name":"\\ud800","version":"1","steps":[]}', valid: false },
  { name: 'nested-too-deep', text: `{"id":"deep","name":"x","version":"1","steps":[],"variables":{"v":${'['.repeat(250)}${']'.repeat(250)}}}`, valid: false },
  { name: 'not-utf-8', text: new Uint8Array([...Buffer.from('id: caf'), 0xe9, ...Buffer.from('\nname: x\n')]), valid: false },
  { name: 'empty', text: '', valid: false },
  { name: 'not-an-object', text: '[1, 2]', valid: false },
  { name: 'too-large', text: `# ${'x'.repeat(600 * 1024)}\n${json(wf('large', [script('a')]))}`, valid: false, transport: true },
];

describe('validate offline and registration online give the same verdict', () => {
  let cluster: Cluster;
  let dir: string;
  const fileOf = (index: number) => join(dir, `${String(index).padStart(2, '0')}-${corpus[index]!.name}`);

  beforeAll(async () => {
    cluster = await startCluster([]);
    dir = mkdtempSync(join(tmpdir(), 'af-validate-'));
    corpus.forEach((entry, index) => writeFileSync(fileOf(index), entry.text));
  });
  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The CLI's verdicts, one JSON line per file: a plain `node`, as a user runs it (no isolate flags). */
  async function offline(): Promise<Verdict[]> {
    const run = promisify(execFile);
    const files = corpus.map((_, index) => fileOf(index));
    const { stdout } = await run(process.execPath, [appEntryPoint('cli'), 'validate', '--json', ...files]).catch((error: { code: number; stdout: string }) => {
      // Exit code 1: some file is invalid, which this corpus means.
      if (error.code !== 1) throw error;
      return error;
    });
    return stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { valid: boolean; problems: Problem[] })
      .map(({ valid, problems }) => ({ valid, problems }));
  }

  /** The coordinator's verdicts on the same bytes, sent as `createWorkflow(text)` and `agentic-flow run` send them. */
  async function online(): Promise<Verdict[]> {
    const verdicts: Verdict[] = [];
    for (const [index] of corpus.entries()) {
      const response = await fetch(`${cluster.coordinator.url}/v1/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml', authorization: `Bearer ${cluster.coordinator.adminKey}` },
        body: readFileSync(fileOf(index)),
      });
      const body = (await response.json()) as { error?: { code: string; problems?: Problem[] } };
      expect(response.status, corpus[index]!.name).toBeLessThan(500);
      verdicts.push({ valid: response.ok, problems: body.error?.problems ?? [] });
    }
    return verdicts;
  }

  it('for every definition of the corpus, with the same problems at the same paths', async () => {
    const [cli, server] = [await offline(), await online()];
    const named = (verdicts: Verdict[]) =>
      verdicts.map((verdict, index) => ({
        name: corpus[index]!.name,
        valid: verdict.valid,
        ...(corpus[index]!.transport ? {} : { problems: verdict.problems }),
      }));
    expect(named(cli)).toEqual(named(server));
    // And the verdicts are the ones the corpus means: both sides cannot be wrong together.
    expect(named(cli).map(({ name, valid }) => ({ name, valid }))).toEqual(corpus.map(({ name, valid }) => ({ name, valid })));
    expect(cli.find((_, index) => corpus[index]!.name === 'expression-syntax')!.problems).toEqual([
      { path: '$.steps[0].config.condition', message: expect.stringMatching(/^invalid expression: Unexpected token/) },
    ]);
  });
});
