import type { StepLogEntry } from '@agentic-flow/executors';
import { StepResultSchema, type StepJob } from '@agentic-flow/queue';
import { describe, expect, it } from 'vitest';
import { minimalFailureJson, resultJson } from '../src/result-json.js';

const job: StepJob = {
  v: 1,
  stepRunId: '5f0c6a55-6d3b-4d0a-9a53-8d7c1f6b2a10',
  executionId: '0b6f2f5e-86b4-4a39-9a0b-2c1d0f3e4a5b',
  workflowId: 'wf',
  workflowVersion: '1',
  stepId: 'fetch',
  stepType: 'http',
  instanceKey: 'fetch',
  attempt: 2,
  config: {},
  enqueuedAt: 0,
};
const stamp = { startedAt: 10.5, finishedAt: 12.25, workerId: 'w' };
const parse = (json: string) => StepResultSchema.parse(JSON.parse(json));

describe('resultJson', () => {
  it('carries the output and variable updates as the text the guard made of them', () => {
    const result = parse(resultJson(job, { ok: true, output: 'ignored: the text wins' }, { outputJson: '{"n":1}', variableUpdatesJson: '{"v":2}' }, [], stamp));
    expect(result).toEqual({
      v: 1,
      stepRunId: job.stepRunId,
      executionId: job.executionId,
      instanceKey: 'fetch',
      attempt: 2,
      logs: [],
      ...stamp,
      outcome: 'succeeded',
      output: { n: 1 },
      variableUpdates: { v: 2 },
    });
  });

  it('shows a NUL in a log line or an agent transcript as U+FFFD, leaving an escaped backslash alone', () => {
    const logs: StepLogEntry[] = [{ level: 'warn', message: 'a\u0000b', at: 1 }];
    const agent = {
      provider: 'p',
      model: 'm',
      usage: { inputTokens: 1, outputTokens: 1 },
      transcript: [{ role: 'tool', toolCallId: 'c1', name: 'run_script', content: 'x\u0000y \\u0000', at: 1 }],
    };
    const result = parse(
      resultJson(
        job,
        { ok: false, error: { code: 'AGENT_OUTPUT', message: 'bad' }, agent: agent as never },
        { outputJson: undefined, variableUpdatesJson: undefined },
        logs,
        stamp,
      ),
    );
    expect(result.logs[0]!.message).toBe('a\uFFFDb');
    expect(result.agent?.transcript).toEqual([{ role: 'tool', toolCallId: 'c1', name: 'run_script', content: 'x\uFFFDy \\u0000', at: 1 }]);
    expect(result).toMatchObject({ outcome: 'failed', error: { code: 'AGENT_OUTPUT' } });
  });
});

describe('minimalFailureJson', () => {
  it('is a valid failed result with the code and message only, whatever it is given', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    const logs = [
      { level: 'info', message: 'kept', at: 5 },
      { level: 'loud', message: { not: 'a string' }, at: Number.NaN },
      { level: 'error', message: 'x\u0000', at: Infinity },
    ] as unknown as StepLogEntry[];
    const json = minimalFailureJson(job, { code: 'INTERNAL', message: 'broke\u0000', details: { cycle } }, logs, { ...stamp, finishedAt: Number.NaN });
    expect(parse(json)).toEqual({
      v: 1,
      stepRunId: job.stepRunId,
      executionId: job.executionId,
      instanceKey: 'fetch',
      attempt: 2,
      logs: [
        { level: 'info', message: 'kept', at: 5 },
        { level: 'info', message: '', at: 0 },
        { level: 'error', message: 'x\uFFFD', at: 0 },
      ],
      startedAt: 10.5,
      finishedAt: 0,
      workerId: 'w',
      outcome: 'failed',
      error: { code: 'INTERNAL', message: 'broke\uFFFD' },
    });
  });

  it('keeps the last 100 log lines, each at most 8 KiB', () => {
    const logs: StepLogEntry[] = Array.from({ length: 150 }, (_, i) => ({ level: 'info', message: `${i}`.padEnd(10_000, '.'), at: i }));
    const result = parse(minimalFailureJson(job, { code: 'INTERNAL', message: 'x' }, logs, stamp));
    expect(result.logs).toHaveLength(100);
    expect(result.logs[0]!.message.startsWith('50.')).toBe(true);
    expect(result.logs[0]!.message).toHaveLength(8192);
  });
});
