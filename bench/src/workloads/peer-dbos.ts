import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface PeerRun {
  engine: string;
  version: string;
  inFlight: number;
  stepsPerSec: number;
  durationMs: number;
}

/** Runs the DBOS Transact runner (bench/src/dbos) in its own process against the same PostgreSQL. */
export function runDbos(options: { databaseUrl: string; workflows: number; steps: number; inFlight: number; warmup: number }): Promise<PeerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('../dbos/main.js', import.meta.url)), JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`DBOS runner exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as PeerRun);
      } catch {
        reject(new Error(`DBOS runner printed no result: ${stdout.slice(0, 200)}`));
      }
    });
  });
}
