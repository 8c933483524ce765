import { ToolRegistry, createAgentExecutor, type StepOutcome } from '@agentic-flow/executors';
import { describe, expect, it } from 'vitest';
import { freeAnswerValue, parseJsonAnswer } from '../src/agent/output-validation.js';
import { agentJob, registryOf, scriptedProvider, testRuntime, type ScriptedReply } from './agent-scripted-provider.js';

const SUMMARY_SCHEMA = {
  type: 'object',
  properties: { total: { type: 'number', minimum: 0 }, currency: { type: 'string', enum: ['EUR', 'USD'] } },
  required: ['total', 'currency'],
  additionalProperties: false,
};

function run(replies: ScriptedReply[], config: Record<string, unknown>) {
  const provider = scriptedProvider(replies);
  const executor = createAgentExecutor({ providers: registryOf(provider) });
  return { provider, outcome: executor.execute(agentJob({ goal: 'Summarize', ...config }), testRuntime()) };
}

function failed(outcome: StepOutcome) {
  if (outcome.ok) throw new Error('expected a failure');
  return outcome;
}

describe('final answer without an output schema', () => {
  it('parses a JSON object or array, bare or in a fence that is the whole answer, and keeps anything else as text', () => {
    expect(freeAnswerValue('{"a":1}')).toEqual({ a: 1 });
    expect(freeAnswerValue('  [1, 2]\n')).toEqual([1, 2]);
    expect(freeAnswerValue('```json\n{"a": [1]}\n```')).toEqual({ a: [1] });
    expect(freeAnswerValue('```\n[true]\n```')).toEqual([true]);
    expect(freeAnswerValue('42')).toBe('42');
    expect(freeAnswerValue('"quoted"')).toBe('"quoted"');
    expect(freeAnswerValue('{not json}')).toBe('{not json}');
    expect(freeAnswerValue('Here:\n```json\n{"a":1}\n```')).toBe('Here:\n```json\n{"a":1}\n```');
    expect(freeAnswerValue('```python\n[1]\n```')).toBe('```python\n[1]\n```');
  });

  it('returns the parsed JSON as the output', async () => {
    const { outcome } = run([{ text: '```json\n{"total": 3}\n```' }], {});
    expect(await outcome).toMatchObject({ ok: true, output: { total: 3 } });
  });
});

describe('final answer with an output schema', () => {
  it('accepts any JSON value, bare or in a fence anywhere in the answer', () => {
    expect(parseJsonAnswer('7')).toEqual({ ok: true, value: 7 });
    expect(parseJsonAnswer('Sure! Here it is:\n```json\n{"a": 1}\n```\nAnything else?')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonAnswer('')).toEqual({ ok: false, problem: 'the answer is empty' });
    expect(parseJsonAnswer('```json\n{"a": }\n```')).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^the JSON in the fenced block does not parse/),
    });
    expect(parseJsonAnswer('total: 3')).toMatchObject({ ok: false, problem: expect.stringMatching(/^the answer is not valid JSON/) });
  });

  it('returns an answer that satisfies the schema', async () => {
    const { provider, outcome } = run([{ text: '{"total": 42, "currency": "EUR"}' }], { outputSchema: SUMMARY_SCHEMA });
    expect(await outcome).toMatchObject({ ok: true, output: { total: 42, currency: 'EUR' } });
    // The schema is in the system prompt, and JSON mode is asked for an object schema.
    expect(provider.requests[0]!.messages[0]!.content).toContain(JSON.stringify(SUMMARY_SCHEMA));
    expect(provider.requests[0]!.json).toBe(true);
  });

  it('does not ask for JSON mode while tools are offered', async () => {
    const provider = scriptedProvider([{ text: '{"total": 1, "currency": "EUR"}' }]);
    const tools = new ToolRegistry().register('x', { spec: { name: 'x', description: 'x', parameters: { type: 'object' } }, run: () => 1 });
    const executor = createAgentExecutor({ providers: registryOf(provider), tools });
    expect(await executor.execute(agentJob({ goal: 'g', capabilities: ['x'], outputSchema: SUMMARY_SCHEMA }), testRuntime())).toMatchObject({ ok: true });
    expect(provider.requests[0]!.json).toBeUndefined();
  });

  it('does not ask for JSON mode when the schema is not an object', async () => {
    const { provider, outcome } = run([{ text: '[1,2]' }], { outputSchema: { type: 'array', items: { type: 'integer' } } });
    expect(await outcome).toMatchObject({ ok: true, output: [1, 2] });
    expect(provider.requests[0]!.json).toBeUndefined();
  });

  it('tells the model what was wrong and accepts the corrected answer', async () => {
    const { provider, outcome } = run([{ text: '{"total": -1, "currency": "GBP", "note": "x"}' }, { text: '{"total": 1, "currency": "USD"}' }], {
      outputSchema: SUMMARY_SCHEMA,
    });
    const result = await outcome;
    expect(result).toMatchObject({ ok: true, output: { total: 1, currency: 'USD' } });
    const correction = provider.requests[1]!.messages.at(-1)!;
    expect(correction.role).toBe('user');
    expect(correction.content).toBe(
      [
        'Your final answer was rejected: the answer does not satisfy the output schema.',
        '- $: unexpected property "note"',
        '- $.total: must be >= 0',
        '- $.currency: must be one of ["EUR","USD"]',
        'Answer again with only the corrected JSON value, no prose around it.',
      ].join('\n'),
    );
    expect(result.agent!.transcript.map((e) => e.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant']);
  });

  it('explains a parse error too', async () => {
    const { provider, outcome } = run([{ text: 'The total is 3 EUR' }, { text: '{"total": 3, "currency": "EUR"}' }], { outputSchema: SUMMARY_SCHEMA });
    expect(await outcome).toMatchObject({ ok: true });
    expect(provider.requests[1]!.messages.at(-1)!.content).toMatch(/^Your final answer was rejected: the answer is not valid JSON: /);
  });

  it('fails with AGENT_OUTPUT when the corrected answer is still wrong', async () => {
    const { provider, outcome } = run([{ text: '{"total": "3"}' }, { text: 'x'.repeat(3000) }, { text: 'never' }], { outputSchema: SUMMARY_SCHEMA });
    const result = failed(await outcome);
    expect(provider.requests).toHaveLength(2);
    expect(result.error.code).toBe('AGENT_OUTPUT');
    expect(result.error.message).toMatch(/^the agent's final answer was rejected after a correction: the answer is not valid JSON/);
    expect(result.error.details).toMatchObject({ reason: 'not_json' });
    expect(result.error.details!['answer']).toHaveLength(2048);
    expect(result.agent!.usage).toEqual({ inputTokens: 20, outputTokens: 10 });
  });

  it('reports the violations of a second schema failure', async () => {
    const { outcome } = run([{ text: '{}' }, { text: '{"total": 1}' }], { outputSchema: SUMMARY_SCHEMA });
    const result = failed(await outcome);
    expect(result.error.details).toEqual({
      reason: 'schema_violation',
      violations: [{ path: '$', message: "must have required property 'currency'" }],
      answer: '{"total": 1}',
    });
  });

  it('fails with AGENT_OUTPUT when the last turn gives a bad answer (no room for a correction)', async () => {
    const { provider, outcome } = run([{ text: 'nope' }], { outputSchema: SUMMARY_SCHEMA, maxTurns: 1 });
    const result = failed(await outcome);
    expect(result.error.code).toBe('AGENT_OUTPUT');
    expect(result.error.message).toMatch(/on the last turn/);
    expect(provider.requests).toHaveLength(1);
  });

  it('rejects an output schema that is not a valid JSON Schema with INVALID_CONFIG, before any call', async () => {
    const { provider, outcome } = run([{ text: '{}' }], { outputSchema: { type: 'object', properties: { n: { type: 'integer', minimum: 'zero' } } } });
    const result = failed(await outcome);
    expect(result.error.code).toBe('INVALID_CONFIG');
    expect(result.error.message).toMatch(/^invalid agent-task config: \$\.config\.outputSchema: not a valid JSON Schema: /);
    expect(provider.requests).toHaveLength(0);
  });
});
