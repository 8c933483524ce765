import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startRedisServer } from '@agentic-flow/testing';

const run = promisify(execFile);

/** PostgreSQL and Redis for one soak: FLUSHALL and a restart must not touch anybody else's data. */
export interface SoakServices {
  databaseUrl: string;
  redisUrl: string;
  restartPostgres(): Promise<void>;
  stop(): Promise<void>;
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(a) - Number(b)).at(-1);
  if (!newest) throw new Error(`no PostgreSQL server binaries under ${root}: install postgresql, or pass --database-url and --pg-restart-command`);
  return join(root, newest, 'bin');
}

/** initdb refuses to run as root: as root, PostgreSQL's tools run as the `postgres` user. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

async function startPostgres(): Promise<{ url: string; restart(): Promise<void>; stop(): Promise<void> }> {
  const bin = postgresBin();
  const dir = await mkdtemp(join(tmpdir(), 'af-soak-pg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const port = await freePort();
  const pgctl = (args: string[]) => run(...asPostgres(join(bin, 'pg_ctl'), ['-D', dir, '-l', join(dir, 'server.log'), ...args]));
  await run(...asPostgres(join(bin, 'initdb'), ['-D', dir, '--auth=trust', '-U', 'postgres', '--no-sync']));
  // The soak's four processes with their pools need more than the default 100 connections at moments.
  await pgctl(['-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300`, '-w', 'start']);
  await run(...asPostgres(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'soak']));
  return {
    url: `postgres://postgres@127.0.0.1:${port}/soak`,
    restart: async () => {
      await pgctl(['-m', 'fast', '-w', 'restart']);
    },
    stop: async () => {
      await pgctl(['-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Private servers unless the caller names its own. */
export async function startSoakServices(options: { databaseUrl?: string; redisUrl?: string; pgRestartCommand?: string }): Promise<SoakServices> {
  const postgres = options.databaseUrl
    ? {
        url: options.databaseUrl,
        restart: async () => {
          if (!options.pgRestartCommand) throw new Error('no --pg-restart-command');
          await run('/bin/sh', ['-c', options.pgRestartCommand]);
        },
        stop: async () => undefined,
      }
    : await startPostgres();
  const redis = options.redisUrl ? { url: options.redisUrl, stop: async () => undefined } : await startRedisServer();
  return {
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    restartPostgres: () => postgres.restart(),
    stop: async () => {
      await Promise.all([postgres.stop(), redis.stop()]);
    },
  };
}
