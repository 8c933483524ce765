import { randomUUID } from 'node:crypto';
import { createScriptExecutor, idempotencyKeyOf } from '@agentic-flow/executors';
import { StepResultSchema, type StepJob, type StepResult } from '@agentic-flow/queue';
import { ProcessScriptSandbox } from '@agentic-flow/sandbox';
import { createLogger } from '@agentic-flow/telemetry';
import type { Job } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { createStepProcessor } from '../src/step-processor.js';

/**
 * A script step's `idempotencyKey`, as the worker runs it: the step processor, the script executor
 * and a sandbox process (the built `host-main.js`: `pnpm run build` first) with isolated-vm in it.
 * Only BullMQ's job object is a plain one.
 */

const sandbox = new ProcessScriptSandbox({ processes: 1 });
const executor = createScriptExecutor({ sandbox });
afterAll(async () => {
  await executor.close?.();
  await sandbox.close();
});

const reported: StepResult[] = [];
const processor = createStepProcessor({
  executors: new Map([['script', executor]]),
  reportJson: async (json) => void reported.push(StepResultSchema.parse(JSON.parse(json))),
  workerId: 'w',
  secrets: {},
  logger: createLogger({ name: 'test', level: 'silent' }),
});

function scriptJob(script: string, step: { executionId: string; instanceKey: string; attempt: number }): Job {
  const data: StepJob = {
    v: 1,
    stepRunId: randomUUID(),
    workflowId: 'wf',
    workflowVersion: '1',
    stepId: 'charge',
    stepType: 'script',
    config: { script },
    enqueuedAt: 0,
    ...step,
  };
  return { id: data.stepRunId, queueName: 'step-script', data, opts: { attempts: 1 }, attemptsMade: 0, attemptsStarted: 1 } as unknown as Job;
}

async function outputOf(script: string, step: { executionId: string; instanceKey: string; attempt: number }): Promise<unknown> {
  await processor(scriptJob(script, step));
  const result = reported.pop()!;
  expect(result.outcome).toBe('succeeded');
  return result.outcome === 'succeeded' ? result.output : undefined;
}

describe('a script step sees its idempotencyKey', () => {
  it('is the key of its step instance and attempt, the one http steps send as Idempotency-Key', async () => {
    const step = { executionId: randomUUID(), instanceKey: 'charge~sub/1', attempt: 2 };
    const key = await outputOf('return idempotencyKey;', step);
    expect(key).toBe(idempotencyKeyOf(step));
    // The same when the step runs again (another worker, a retry, a re-enqueue), another for another attempt.
    expect(await outputOf('return idempotencyKey;', step)).toBe(key);
    expect(await outputOf('return idempotencyKey;', { ...step, attempt: 3 })).toBe(idempotencyKeyOf({ ...step, attempt: 3 }));
  });

  it('is a plain string a script can pass on, and cannot change for the next run', async () => {
    const step = { executionId: randomUUID(), instanceKey: 'charge', attempt: 1 };
    expect(await outputOf('idempotencyKey = "mine"; return { body: { reference: idempotencyKey } };', step)).toEqual({ body: { reference: 'mine' } });
    expect(await outputOf('return typeof idempotencyKey + ":" + idempotencyKey;', step)).toBe(`string:${idempotencyKeyOf(step)}`);
  });
});
