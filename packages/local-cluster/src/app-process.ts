import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A spawned coordinator or worker: its output kept for diagnostics, stoppable by signal. */
export interface AppProcess {
  readonly name: string;
  readonly pid: number;
  /** Every line the process wrote (stdout and stderr), newest last; bounded. */
  readonly lines: readonly string[];
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves with how it ended. */
  stop(graceMs?: number): Promise<number | string>;
  /** SIGKILL at once: a crash, for fault tests. */
  kill(): void;
}

export interface SpawnAppOptions {
  name: string;
  /** `coordinator` or `worker`: runs `apps/<app>/dist/main.js` (build first). */
  app: 'coordinator' | 'worker';
  env: Record<string, string>;
  /** Variables of this process not to pass on (a worker gets no database credentials). */
  unsetEnv?: readonly string[];
  /** Resolves readiness from a log line (parsed JSON when it is JSON). */
  ready: (line: string, json: Record<string, unknown> | null) => boolean;
  readyTimeoutMs?: number;
  /** Extra Node.js flags, e.g. `--cpu-prof` for a profile of the run. */
  nodeArgs?: readonly string[];
  /** Echo the process's lines to this process's stderr (e.g. the demo with LOG_LEVEL=debug). */
  echo?: boolean;
  /** Sees every line as it comes, for callers that count more than `lines` keeps (a soak's whole run). */
  onLine?: (line: string) => void;
}

const MAX_LINES = 2_000;

export function appEntryPoint(app: 'coordinator' | 'worker' | 'cli'): string {
  // From both `src/` and `dist/` of this package, the repository root is three levels up.
  return fileURLToPath(new URL(`../../../apps/${app}/dist/main.js`, import.meta.url));
}

/** Spawns a built app with `node --no-node-snapshot` and waits until it logs that it is ready. */
export async function spawnApp(options: SpawnAppOptions): Promise<AppProcess & { readyLine: Record<string, unknown> | null }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  for (const name of options.unsetEnv ?? []) delete env[name];
  const child: ChildProcess = spawn(process.execPath, ['--no-node-snapshot', ...(options.nodeArgs ?? []), appEntryPoint(options.app)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  let onLine: ((line: string) => void) | undefined;
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > MAX_LINES) lines.shift();
      if (options.echo) process.stderr.write(`[${options.name}] ${line}\n`);
      options.onLine?.(line);
      onLine?.(line);
    });
  }

  const readyLine = await new Promise<Record<string, unknown> | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running: a caller that starts another (a supervisor) would pile them up.
      child.kill('SIGKILL');
      reject(new Error(`${options.name} not ready after ${options.readyTimeoutMs ?? 30_000} ms:\n${lines.slice(-30).join('\n')}`));
    }, options.readyTimeoutMs ?? 30_000);
    onLine = (line) => {
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(line) as Record<string, unknown>;
      } catch {
        // Plain-text line (e.g. a startup error).
      }
      if (options.ready(line, json)) {
        clearTimeout(timer);
        resolve(json);
      }
    };
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (${code}) before it was ready:\n${lines.slice(-30).join('\n')}`));
    });
  }).finally(() => {
    onLine = undefined;
  });

  const stop = async (graceMs = 10_000): Promise<number | string> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return { name: options.name, pid: child.pid!, lines, exited, stop, kill: () => child.kill('SIGKILL'), readyLine };
}
