import { ToolRegistry, createAgentExecutor, type AgentTool, type StepOutcome } from '@agentic-flow/executors';
import { describe, expect, it } from 'vitest';
import { planViolations } from '../src/agent/plan-validation.js';
import { agentJob, call, registryOf, scriptedProvider, testRuntime, type ScriptedReply } from './agent-scripted-provider.js';

const tool = (name: string): AgentTool => ({ spec: { name, description: `does ${name}`, parameters: { type: 'object' } }, run: () => 'ok' });
const tools = () => new ToolRegistry().register('http', tool('http_request')).register('script', tool('run_script')).register('mail', tool('send_mail'));

function run(replies: ScriptedReply[], config: Record<string, unknown>) {
  const provider = scriptedProvider(replies);
  const executor = createAgentExecutor({ providers: registryOf(provider), tools: tools() });
  const outcome = executor.execute(
    agentJob({ agentType: 'coordinator', goal: 'Research three competitors', capabilities: ['http', 'script'], ...config }),
    testRuntime(),
  );
  return { provider, outcome };
}

function failed(outcome: StepOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.output)}`);
  return outcome;
}

const plan = (subtasks: unknown[]) => JSON.stringify({ subtasks });

describe('coordinator agent: plan phase', () => {
  it('returns { plan } for a valid plan, asking in JSON mode with no tools', async () => {
    const subtasks = [{ goal: 'Find A', capabilities: ['http'] }, { goal: 'Find B' }];
    const { provider, outcome } = run([{ text: plan(subtasks) }], { phase: 'plan', maxSubtasks: 3 });
    const result = await outcome;
    expect(result).toMatchObject({ ok: true, output: { plan: { subtasks } } });
    const request = provider.requests[0]!;
    expect(request.tools).toBeUndefined();
    expect(request.json).toBe(true);
    const system = request.messages[0]!.content!;
    expect(system).toContain('between 1 and 3 subtasks');
    expect(system).toContain('- http: http_request (does http_request)');
    expect(system).toContain('- script: run_script (does run_script)');
    expect(system).not.toContain('send_mail');
    expect(request.messages[1]!.content).toContain('Goal: Research three competitors');
    expect(result.agent!.transcript.map((e) => e.role)).toEqual(['system', 'user', 'assistant']);
  });

  it('defaults to at most 5 subtasks', () => {
    const six = { subtasks: Array.from({ length: 6 }, (_, i) => ({ goal: `g${i}` })) };
    expect(planViolations(six, { maxSubtasks: 5, capabilities: [] })).toEqual([{ path: '$.subtasks', message: 'has 6 subtasks; at most 5 are allowed' }]);
  });

  it('asks for a correction of too many subtasks, and accepts the fixed plan', async () => {
    const { provider, outcome } = run([{ text: plan([{ goal: 'a' }, { goal: 'b' }, { goal: 'c' }]) }, { text: plan([{ goal: 'a' }, { goal: 'b' }]) }], {
      phase: 'plan',
      maxSubtasks: 2,
    });
    expect(await outcome).toMatchObject({ ok: true, output: { plan: { subtasks: [{ goal: 'a' }, { goal: 'b' }] } } });
    expect(provider.requests[1]!.messages.at(-1)!.content).toBe(
      'Your plan was rejected: the plan is invalid.\n- $.subtasks: has 3 subtasks; at most 2 are allowed\nAnswer again with only the corrected plan as one JSON object.',
    );
  });

  it('fails with AGENT_OUTPUT when a subtask asks twice for a capability outside the grant', async () => {
    const bad = plan([{ goal: 'a', capabilities: ['http', 'mail'] }]);
    const { outcome } = run([{ text: bad }, { text: bad }], { phase: 'plan' });
    const result = failed(await outcome);
    expect(result.error).toMatchObject({
      code: 'AGENT_OUTPUT',
      details: {
        reason: 'invalid_plan',
        violations: [{ path: '$.subtasks[0].capabilities', message: '"mail" not granted (allowed: http, script)' }],
        answer: bad,
      },
    });
    expect(result.error.message).toMatch(
      /^the agent's plan was rejected after a correction: the plan is invalid: \$\.subtasks\[0\]\.capabilities: "mail" not granted/,
    );
  });

  it('fails with AGENT_OUTPUT when the plan is not JSON twice', async () => {
    const { outcome } = run([{ text: 'I would first look at A.' }, { text: 'Then B.' }], { phase: 'plan' });
    expect(failed(await outcome).error).toMatchObject({ code: 'AGENT_OUTPUT', details: { reason: 'not_json', answer: 'Then B.' } });
  });

  it('rejects plans of the wrong shape with paths', () => {
    const limits = { maxSubtasks: 5, capabilities: ['http'] };
    expect(planViolations({ subtasks: [] }, limits)).toEqual([{ path: '$.subtasks', message: 'a plan needs at least one subtask' }]);
    expect(planViolations({ subtasks: [{ goal: '' }], extra: 1 }, limits).map((v) => v.path)).toEqual(expect.arrayContaining(['$', '$.subtasks[0].goal']));
    expect(planViolations([{ goal: 'x' }], limits)).toHaveLength(1);
    expect(planViolations({ subtasks: [{ goal: 'x', capabilities: ['ftp'] }] }, limits)).toEqual([
      { path: '$.subtasks[0].capabilities', message: '"ftp" not granted (allowed: http)' },
    ]);
  });

  it('offers capabilities no tool provides as skills a subtask can be given', async () => {
    const { provider, outcome } = run([{ text: plan([{ goal: 'Judge tone', capabilities: ['nlp'] }]) }], { phase: 'plan', capabilities: ['http', 'nlp'] });
    expect(await outcome).toMatchObject({ ok: true, output: { plan: { subtasks: [{ goal: 'Judge tone', capabilities: ['nlp'] }] } } });
    expect(provider.requests[0]!.messages[0]!.content).toContain('- nlp: a skill (no tools)');
  });

  it('answers a tool call in the plan phase with an error result', async () => {
    const { provider, outcome } = run([{ toolCalls: [call('http_request', { url: 'https://x' })] }, { text: plan([{ goal: 'a' }]) }], { phase: 'plan' });
    expect(await outcome).toMatchObject({ ok: true });
    expect(provider.requests[1]!.messages.at(-1)).toMatchObject({ role: 'tool', isError: true, content: expect.stringContaining('not available') });
  });
});

describe('coordinator agent: synthesize phase', () => {
  const subtasks = [
    { goal: 'Find A', output: { price: 10 } },
    { goal: 'Find B', output: 'B costs 12' },
  ];

  it('gives the model the goal and every subtask output, and returns its result', async () => {
    const { provider, outcome } = run([{ text: 'A is cheaper.' }], { phase: 'synthesize', subtasks });
    expect(await outcome).toMatchObject({ ok: true, output: 'A is cheaper.' });
    const [system, user] = provider.requests[0]!.messages;
    expect(system!.content).toContain('Your subtasks are done');
    expect(user!.content).toContain('Goal: Research three competitors');
    expect(user!.content).toContain('[{"goal":"Find A","output":{"price":10}},{"goal":"Find B","output":"B costs 12"}]');
    expect(provider.requests[0]!.tools).toBeUndefined();
  });

  it('validates the result against the output schema, with one correction', async () => {
    const outputSchema = { type: 'object', properties: { cheapest: { type: 'string' } }, required: ['cheapest'] };
    const { provider, outcome } = run([{ text: '{"winner": "A"}' }, { text: '{"cheapest": "A"}' }], { phase: 'synthesize', subtasks, outputSchema });
    expect(await outcome).toMatchObject({ ok: true, output: { cheapest: 'A' } });
    expect(provider.requests[1]!.messages.at(-1)!.content).toContain("- $: must have required property 'cheapest'");

    const twice = run([{ text: '{}' }, { text: '{}' }], { phase: 'synthesize', subtasks, outputSchema });
    expect(failed(await twice.outcome).error).toMatchObject({ code: 'AGENT_OUTPUT', details: { reason: 'schema_violation' } });
  });

  it('needs config.subtasks', async () => {
    const { outcome } = run([], { phase: 'synthesize' });
    expect(failed(await outcome).error).toMatchObject({
      code: 'INVALID_CONFIG',
      message: 'invalid agent-task config: $.config.subtasks: required in the synthesize phase',
    });
  });
});
