import { createLogger } from '@agentic-flow/telemetry';
import { RETRY_BACKOFF } from '@agentic-flow/queue';
import type { MinimalJob } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { stepRetryBackoff } from '../src/step-consumers.js';

describe('stepRetryBackoff (the BullMQ strategy)', () => {
  const logger = createLogger({ name: 'test', level: 'silent' });
  const job = (data: unknown, attempts = 4): MinimalJob => ({ data, opts: { attempts } }) as unknown as MinimalJob;

  it('computes the delay from the job retry strategy and the attempts made', async () => {
    const strategy = stepRetryBackoff(logger, () => 0.5);
    const retry = { attempts: 4, delayMs: 100, backoff: 'exponential', jitter: true };
    expect(await strategy(1, RETRY_BACKOFF, new Error('NETWORK: down'), job({ retry }))).toBe(75);
    expect(await strategy(3, RETRY_BACKOFF, new Error('NETWORK: down'), job({ retry }))).toBe(300);
  });

  it('retries at once when the job has no readable strategy or another backoff type', async () => {
    const strategy = stepRetryBackoff(logger, () => 0.5);
    expect(await strategy(1, RETRY_BACKOFF, new Error('x'), job({}))).toBe(0);
    expect(await strategy(1, RETRY_BACKOFF, new Error('x'), job({ retry: { delayMs: 'soon' } }))).toBe(0);
    expect(await strategy(1, 'something-else', new Error('x'), job({ retry: { attempts: 2, delayMs: 100, backoff: 'fixed', jitter: false } }))).toBe(0);
  });
});
