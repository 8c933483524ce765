import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('typed results', () => {
  // Types are the feature here: the fixture holds what must compile and, marked @ts-expect-error, what must not.
  it('defineWorkflow infers step ids; result() is typed by them; strict tsc, no skipLibCheck', async () => {
    const tsc = await promisify(execFile)(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', 'packages/sdk/test/types/tsconfig.json'], {
      cwd: root,
    }).catch((error: { stdout?: string; stderr?: string }) => error);
    expect(`${tsc.stdout ?? ''}${tsc.stderr ?? ''}`).toBe('');
  }, 60_000);
});
