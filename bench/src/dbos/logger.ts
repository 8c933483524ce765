import type { DLogger } from '@dbos-inc/dbos-sdk';

/**
 * DBOS logger that keeps stdout clean for the single result line: info/debug are
 * dropped (DBOS logs several lines per launch), warnings and errors go to stderr.
 */
export const stderrLogger: DLogger = {
  info() {},
  debug() {},
  warn(entry) {
    process.stderr.write(`[dbos] warn: ${describe(entry)}\n`);
  },
  error(entry) {
    process.stderr.write(`[dbos] error: ${describe(entry)}\n`);
  },
};

function describe(entry: unknown): string {
  if (entry instanceof Error) return entry.stack ?? entry.message;
  return typeof entry === 'string' ? entry : JSON.stringify(entry);
}
