import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REQUIRED_NUMBERS = [
  'rawBullmqRoundTripMedianMs',
  'stepOverheadMedianMs',
  'stepOverheadP99Ms',
  'stepOverheadTracedMedianMs',
  'stepOverheadSampledMedianMs',
  'linear10StepsPerSec',
  'fanout1000StepsPerSec',
  'single1000ExecutionsPerSec',
  'dbosBestStepsPerSec',
  'coordinatorRssMb1k',
  'coordinatorRssMb10k',
  'listExecutions100kMs',
];

/** Benchmarks are never timed assertions: this only proves the harness runs end to end and reports numbers. */
describe('bench --smoke', () => {
  it('runs every workload at a tiny size and writes its results', { timeout: 240_000 }, async () => {
    const main = fileURLToPath(new URL('../bench/dist/main.js', import.meta.url));
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['--no-node-snapshot', main, '--smoke'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('exit', (exit) => {
        if (exit !== 0) console.error(stderr);
        resolve(exit);
      });
    });
    expect(code).toBe(0);
    const results = JSON.parse(await readFile(new URL('../bench/.runs/smoke/results.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    for (const key of REQUIRED_NUMBERS) expect([key, typeof results[key], Number.isFinite(results[key])]).toEqual([key, 'number', true]);
    expect(results['machine']).toMatchObject({ cores: expect.any(Number), node: process.version });
    const markdown = await readFile(new URL('../bench/.runs/smoke/RESULTS.md', import.meta.url), 'utf8');
    expect(markdown).toContain('## Targets');
  });
});
