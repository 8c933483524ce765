import { PassThrough } from 'node:stream';
import { createLogger } from '@agentic-flow/telemetry';
import { ErrorCode } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { workerErrorListener } from '../src/worker-error-log.js';

/** BullMQ's error for a job whose key is gone, as `finishedErrors` builds it. */
function missingKey(jobId: string, command = 'moveToFinished'): Error {
  return Object.assign(new Error(`Missing key for job ${jobId}. ${command}`), { code: ErrorCode.JobNotExist });
}

function capture(now: () => number) {
  const lines: Record<string, unknown>[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .forEach((line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
  );
  const listener = workerErrorListener(createLogger({ name: 'worker-test', destination }), 'http', now);
  const flushed = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return lines.map((line) => [line['level'], line['jobId'] ?? (line['err'] as { message: string }).message]);
  };
  return { listener, flushed };
}

describe('workerErrorListener', () => {
  it('logs a vanished job once, as a warning naming it, however often BullMQ reports it', async () => {
    let clock = 0;
    const { listener, flushed } = capture(() => clock);
    listener(missingKey('run-1'));
    listener(missingKey('run-1'));
    listener(missingKey('run-2'));
    clock += 61_000;
    listener(missingKey('run-2'));
    expect(await flushed()).toEqual([
      ['warn', 'run-1'],
      ['warn', 'run-2'],
      // A minute later it is another event (the job ran again and vanished again).
      ['warn', 'run-2'],
    ]);
  });

  it('logs every other error as an error', async () => {
    const { listener, flushed } = capture(() => 0);
    listener(new Error('Connection is closed.'));
    listener(Object.assign(new Error('Missing lock for job run-1. moveToFinished'), { code: ErrorCode.JobLockNotExist }));
    listener(new Error('Missing key for job run-1. moveToFinished'));
    expect(await flushed()).toEqual([
      ['error', 'Connection is closed.'],
      ['error', 'Missing lock for job run-1. moveToFinished'],
      // Without BullMQ's code it is not BullMQ's report of a vanished job.
      ['error', 'Missing key for job run-1. moveToFinished'],
    ]);
  });
});
