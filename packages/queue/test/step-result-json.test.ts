import { describe, expect, it } from 'vitest';
import { StepResultSchema, stepResultJson, type StepResultEnvelope } from '@agentic-flow/queue';

const envelope = {
  v: 1,
  stepRunId: '5f0c6a55-6d3b-4d0a-9a53-8d7c1f6b2a10',
  executionId: '0b6f2f5e-86b4-4a39-9a0b-2c1d0f3e4a5b',
  instanceKey: 'fetch',
  attempt: 1,
  logs: [{ level: 'info', message: 'hi', at: 1 }],
  startedAt: 1.5,
  finishedAt: 2.25,
  workerId: 'w',
} as const;

describe('stepResultJson', () => {
  it('splices fields given as JSON text into the result, as the plain serialization would have them', () => {
    const output = { items: [1, 'two', { three: null }], text: 'a "quoted" \\ line\n' };
    const variableUpdates = { total: 3 };
    const agent = { provider: 'openai', model: 'm', usage: { inputTokens: 1, outputTokens: 2 }, transcript: { messages: [] } };
    const json = stepResultJson(
      { ...envelope, outcome: 'succeeded' },
      { output: JSON.stringify(output), variableUpdates: JSON.stringify(variableUpdates), agent: JSON.stringify(agent) },
    );
    expect(JSON.parse(json)).toEqual({ ...envelope, outcome: 'succeeded', output, variableUpdates, agent });
  });

  it('leaves out the fields it is not given, and serializes a failed result as it is', () => {
    const succeeded = JSON.parse(stepResultJson({ ...envelope, outcome: 'succeeded' }, { output: '42' }));
    expect(succeeded).toEqual({ ...envelope, outcome: 'succeeded', output: 42 });
    expect('variableUpdates' in succeeded).toBe(false);
    const failed: StepResultEnvelope = { ...envelope, outcome: 'failed', error: { code: 'TIMEOUT', message: 'slow' } };
    expect(stepResultJson(failed)).toBe(JSON.stringify(failed));
    expect(StepResultSchema.safeParse(JSON.parse(stepResultJson(failed))).success).toBe(true);
  });

  it('keeps an output that is a JSON string, null or an empty container intact', () => {
    for (const output of ['"}"', 'null', '[]', '{}']) {
      expect(JSON.parse(stepResultJson({ ...envelope, outcome: 'succeeded' }, { output })).output).toEqual(JSON.parse(output));
    }
  });
});
