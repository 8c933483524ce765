import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@agentic-flow/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsDirError, WorkerSecrets, readSecretsDir } from '../src/worker-secrets.js';

const dirs: string[] = [];
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'af-secrets-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A directory laid out as Kubernetes mounts a Secret: `..data` → a timestamped directory, names as symlinks into it. */
function kubernetesMount(values: Record<string, string>): { dir: string; update(values: Record<string, string>): void } {
  const dir = temp();
  let generation = 0;
  const write = (next: Record<string, string>): void => {
    const data = `..2024_01_01_00_00_0${generation++}`;
    mkdirSync(join(dir, data));
    for (const [name, value] of Object.entries(next)) writeFileSync(join(dir, data, name), value);
    // The atomic swap: a new `..data` symlink renamed over the old one.
    symlinkSync(data, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    for (const name of Object.keys(next)) {
      try {
        symlinkSync(join('..data', name), join(dir, name));
      } catch {
        // Already linked.
      }
    }
  };
  write(values);
  return { dir, update: write };
}

describe('readSecretsDir', () => {
  it('reads a Kubernetes Secret mount: names from files, one trailing newline removed, dot entries skipped', () => {
    const { dir } = kubernetesMount({ TOKEN: 'tok-1\n', MULTI: 'line1\nline2\n\n', RAW: 'no-newline' });
    writeFileSync(join(dir, '.hidden'), 'x');
    mkdirSync(join(dir, 'subdir'));
    writeFileSync(join(dir, 'bad name'), 'x');
    const { secrets, skipped } = readSecretsDir(dir);
    expect(Object.fromEntries(secrets)).toEqual({ TOKEN: 'tok-1', MULTI: 'line1\nline2\n', RAW: 'no-newline' });
    expect(skipped).toEqual([{ file: 'bad name', reason: expect.stringContaining('not a secret name') }]);
  });

  it('stops with a clear error for a directory that cannot be read', () => {
    expect(() => readSecretsDir('/nonexistent/af-secrets')).toThrow(SecretsDirError);
    expect(() => readSecretsDir('/nonexistent/af-secrets')).toThrow('AF_SECRETS_DIR: cannot read the directory "/nonexistent/af-secrets" (ENOENT)');
    const file = join(temp(), 'file');
    writeFileSync(file, 'x');
    expect(() => new WorkerSecrets({ dir: file })).toThrow('(ENOTDIR)');
  });
});

describe('WorkerSecrets', () => {
  it('takes the directory’s value over AF_SECRET_* on a clash, and masks both', () => {
    const { dir } = kubernetesMount({ TOKEN: 'from-the-dir' });
    const secrets = new WorkerSecrets({ env: { TOKEN: 'from-the-env', OTHER: 'other-value' }, dir, credentials: ['redis-pass'] });
    expect(secrets.value('TOKEN')).toBe('from-the-dir');
    expect(secrets.value('OTHER')).toBe('other-value');
    expect(secrets.names()).toEqual(['OTHER', 'TOKEN']);
    expect(secrets.overridden()).toEqual(['TOKEN']);
    expect(secrets.mask.text('from-the-dir from-the-env other-value redis-pass')).toBe('*** *** *** ***');
  });

  it('follows the directory as it changes (watch, and a periodic read), and keeps masking rotated values', async () => {
    const mount = kubernetesMount({ TOKEN: 'first-value' });
    const secrets = new WorkerSecrets({ dir: mount.dir, rereadMs: 200 });
    secrets.watch(createLogger({ name: 'test', level: 'silent' }));
    try {
      mount.update({ TOKEN: 'second-value', NEW: 'new-value' });
      await expect.poll(() => secrets.value('TOKEN'), { timeout: 5_000 }).toBe('second-value');
      expect(secrets.value('NEW')).toBe('new-value');
      expect(secrets.mask.text('first-value second-value new-value')).toBe('*** *** ***');
    } finally {
      secrets.close();
    }
  });

  it('keeps the last good values when a read fails', () => {
    const mount = kubernetesMount({ TOKEN: 'kept-value' });
    const secrets = new WorkerSecrets({ dir: mount.dir });
    rmSync(mount.dir, { recursive: true, force: true });
    expect(secrets.reload()).toBe(false);
    expect(secrets.value('TOKEN')).toBe('kept-value');
  });

  it('of(): a fixed set, as tests and a worker without a directory use', () => {
    const secrets = WorkerSecrets.of({ A_KEY: 'value-a' }, ['cred-1234']);
    expect(secrets.value('A_KEY')).toBe('value-a');
    expect(secrets.value('missing')).toBeUndefined();
    expect(secrets.mask.text('value-a cred-1234')).toBe('*** ***');
  });
});
