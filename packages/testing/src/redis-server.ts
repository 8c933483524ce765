import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freePort } from '@agentic-flow/local-cluster';

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** Every line the server wrote, for a failure's message. */
  readonly lines: readonly string[];
  /** SIGTERM, then SIGKILL after a second. */
  stop(): Promise<void>;
}

/**
 * A `redis-server` of the caller's own (from PATH), in memory only, on a free port of 127.0.0.1:
 * for tests that FLUSHALL, which on the shared server would wipe every other test's queues.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} not ready after 10 s:\n${lines.join('\n')}`)), 10_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start redis-server (is it on PATH?): ${error.message}`));
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited before it was ready:\n${lines.join('\n')}`));
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        if (line.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    lines,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 1_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
