import { readFileSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { SecretMask } from '@agentic-flow/executors';
import { SECRET_NAME_PATTERN } from '@agentic-flow/spec';
import type { Logger } from '@agentic-flow/telemetry';

/** How often a secrets directory is read again besides `fs.watch`, so a missed event costs at most this long. */
export const SECRETS_REREAD_MS = 10_000;
/** A secret file larger than this is skipped (a mounted directory holds keys and tokens, not data). */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;
/** Values that stopped being secrets (rotated, removed) and are still masked, at most; the oldest go first. */
const MAX_RETIRED_VALUES = 1000;

/** A secrets directory that cannot be read: a startup error naming it. */
export class SecretsDirError extends Error {
  override readonly name = 'SecretsDirError';
}

/** What {@link readSecretsDir} found: the secrets, and the files it left out with why (names only). */
export interface SecretsDirContents {
  secrets: Map<string, string>;
  skipped: Array<{ file: string; reason: string }>;
}

/**
 * Reads a mounted secrets directory the way Kubernetes mounts a Secret: one file per secret, the file
 * name its name, the content its value with one trailing newline removed. Dotfiles are skipped, and
 * with them the `..data` and `..<timestamp>` directories Kubernetes swaps atomically (the visible
 * names are symlinks into them, followed here); so are directories, files whose name is not a secret
 * name, and files over {@link MAX_SECRET_FILE_BYTES}. Throws {@link SecretsDirError} when the directory
 * itself, or a secret file in it, cannot be read.
 */
export function readSecretsDir(dir: string): SecretsDirContents {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new SecretsDirError(`AF_SECRETS_DIR: cannot read the directory "${dir}" (${codeOf(error)})`);
  }
  const secrets = new Map<string, string>();
  const skipped: SecretsDirContents['skipped'] = [];
  for (const file of names.sort()) {
    if (file.startsWith('.')) continue;
    const path = join(dir, file);
    try {
      const stat = statSync(path);
      if (!stat.isFile()) continue;
      if (!SECRET_NAME_PATTERN.test(file)) {
        skipped.push({ file, reason: 'not a secret name (letters, digits, "_" or "-", starting with a letter or "_")' });
        continue;
      }
      if (stat.size > MAX_SECRET_FILE_BYTES) {
        skipped.push({ file, reason: `larger than ${MAX_SECRET_FILE_BYTES} bytes` });
        continue;
      }
      const text = readFileSync(path, 'utf8');
      secrets.set(file, text.endsWith('\n') ? text.slice(0, -1) : text);
    } catch (error) {
      // Removed between listing and reading (a rotation under way): the next read sees the new state.
      if (codeOf(error) === 'ENOENT') continue;
      throw new SecretsDirError(`AF_SECRETS_DIR: cannot read the secret file "${path}" (${codeOf(error)})`);
    }
  }
  return { secrets, skipped };
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? (error instanceof Error ? error.message : String(error));
}

export interface WorkerSecretsOptions {
  /** `AF_SECRET_*` values, by name (`secretsFrom`). */
  env?: Readonly<Record<string, string>>;
  /** `AF_SECRETS_DIR`: read now (a bad directory throws), and again on change once {@link WorkerSecrets.watch} runs. */
  dir?: string;
  /** The worker's own credentials (API keys, the Redis password): never secrets a step can use, but masked like them. */
  credentials?: readonly string[];
  /** How often `watch` reads the directory again whatever `fs.watch` said. Default {@link SECRETS_REREAD_MS}. */
  rereadMs?: number;
}

/**
 * The secrets a worker holds, and the mask made of them. Values come from `AF_SECRET_*` variables
 * and from a mounted directory (`AF_SECRETS_DIR`); the **directory wins** when both name a secret —
 * it is what an operator rotates. The directory is read at startup and again when it changes
 * (`fs.watch`, plus a read every {@link SECRETS_REREAD_MS} in case an event was missed): steps look
 * secrets up in memory, never on disk.
 *
 * The {@link mask} covers every secret the worker holds (not only those a step used), the worker's
 * own credentials, and values that were secrets earlier in this process's life (rotated out, a
 * step started before the rotation may still hand them back).
 */
export class WorkerSecrets {
  private readonly env: ReadonlyMap<string, string>;
  private readonly dir: string | undefined;
  private readonly credentials: readonly string[];
  private readonly rereadMs: number;
  private values: ReadonlyMap<string, string>;
  private readonly retired = new Set<string>();
  private currentMask: SecretMask;
  private dirSecrets: ReadonlyMap<string, string> = new Map();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private logger: Logger | undefined;
  /** The files the last read skipped, for the startup log. */
  skipped: SecretsDirContents['skipped'] = [];

  /** A fixed set of secrets (tests, or a worker without a directory). */
  static of(values: Readonly<Record<string, string>>, credentials: readonly string[] = []): WorkerSecrets {
    return new WorkerSecrets({ env: values, credentials });
  }

  constructor(options: WorkerSecretsOptions = {}) {
    this.env = new Map(Object.entries(options.env ?? {}));
    this.dir = options.dir;
    this.credentials = options.credentials ?? [];
    this.rereadMs = options.rereadMs ?? SECRETS_REREAD_MS;
    if (this.dir !== undefined) {
      const read = readSecretsDir(this.dir);
      this.dirSecrets = read.secrets;
      this.skipped = read.skipped;
    }
    this.values = this.merge();
    this.currentMask = this.buildMask();
  }

  /** The value of secret `name`, or undefined. */
  value(name: string): string | undefined {
    return this.values.get(name);
  }

  /** The names of the secrets held now (never their values). */
  names(): string[] {
    return [...this.values.keys()].sort();
  }

  /** Names both `AF_SECRET_*` and the directory define: the directory's value is used. */
  overridden(): string[] {
    return [...this.dirSecrets.keys()].filter((name) => this.env.has(name)).sort();
  }

  /** Masks every value held now, every credential, and every value held earlier. */
  get mask(): SecretMask {
    return this.currentMask;
  }

  /** Starts following the directory (a no-op without one). Problems are logged; the last good values stay. */
  watch(logger: Logger): void {
    this.logger = logger;
    if (this.dir === undefined || this.timer !== undefined) return;
    try {
      this.watcher = watch(this.dir, () => this.soon());
      this.watcher.on('error', (error) => logger.warn({ err: error, dir: this.dir }, 'secrets directory: watching failed; it is still read every few seconds'));
      this.watcher.unref();
    } catch (error) {
      logger.warn({ err: error, dir: this.dir }, 'secrets directory: cannot be watched; it is read every few seconds instead');
    }
    this.timer = setInterval(() => this.reload(), this.rereadMs);
    this.timer.unref();
  }

  /** Reads the directory again now; true when a secret changed. */
  reload(): boolean {
    if (this.dir === undefined) return false;
    let read: SecretsDirContents;
    try {
      read = readSecretsDir(this.dir);
    } catch (error) {
      this.logger?.warn({ err: error }, 'secrets directory: reading it failed; the secrets read before stay in use');
      return false;
    }
    this.skipped = read.skipped;
    if (sameSecrets(read.secrets, this.dirSecrets)) return false;
    const before = this.values;
    this.dirSecrets = read.secrets;
    this.values = this.merge();
    for (const [name, value] of before) if (this.values.get(name) !== value) this.retire(value);
    this.currentMask = this.buildMask();
    const changed = [...new Set([...before.keys(), ...this.values.keys()])].filter((name) => before.get(name) !== this.values.get(name)).sort();
    this.logger?.info({ changed, secrets: this.values.size }, 'secrets directory: secrets reloaded');
    return true;
  }

  close(): void {
    this.watcher?.close();
    clearInterval(this.timer);
    clearTimeout(this.pending);
    this.watcher = this.timer = this.pending = undefined;
  }

  /** A burst of events (Kubernetes swaps a symlink, editors write twice) becomes one read. */
  private soon(): void {
    if (this.pending !== undefined) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.reload();
    }, 50);
    this.pending.unref();
  }

  private merge(): ReadonlyMap<string, string> {
    return new Map([...this.env, ...this.dirSecrets]);
  }

  private retire(value: string): void {
    this.retired.delete(value);
    this.retired.add(value);
    if (this.retired.size > MAX_RETIRED_VALUES) this.retired.delete(this.retired.values().next().value!);
  }

  private buildMask(): SecretMask {
    // Env values too when the directory overrides them: every configured value is masked.
    return SecretMask.of([...this.values.values(), ...this.env.values(), ...this.credentials, ...this.retired]);
  }
}

function sameSecrets(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, value] of a) if (b.get(name) !== value) return false;
  return true;
}
