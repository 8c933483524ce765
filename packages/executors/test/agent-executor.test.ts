import { getEventListeners } from 'node:events';
import { ProviderError, ToolRegistry, createAgentExecutor, type AgentTool, type StepOutcome } from '@agentic-flow/executors';
import { AgentRunRecordSchema } from '@agentic-flow/spec';
import { describe, expect, it } from 'vitest';
import { agentJob, call, registryOf, scriptedProvider, testRuntime, tickingClock, type ScriptedReply } from './agent-scripted-provider.js';

/** A tool that records its calls and answers from a function. */
function fakeTool(
  name: string,
  answer: (args: Record<string, unknown>) => unknown = (args) => ({ echoed: args }),
): AgentTool & { calls: Record<string, unknown>[] } {
  const calls: Record<string, unknown>[] = [];
  return {
    calls,
    spec: { name, description: `the ${name} tool`, parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } },
    run: (args) => {
      calls.push(args);
      return answer(args);
    },
  };
}

function setup(replies: ScriptedReply[], tools = new ToolRegistry()) {
  const provider = scriptedProvider(replies);
  const executor = createAgentExecutor({ providers: registryOf(provider), tools, now: tickingClock() });
  return { provider, executor };
}

function failure(outcome: StepOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.output)}`);
  return outcome;
}

describe('agent executor: the tool-use loop', () => {
  it('runs a tool call, sends its result back, and returns the final answer with the run record', async () => {
    const lookup = fakeTool('lookup', () => ({ total: 42 }));
    const { provider, executor } = setup(
      [
        { toolCalls: [call('lookup', { q: 'orders' })], usage: { inputTokens: 100, outputTokens: 20, costUsd: 0.001 } },
        { text: 'The total is 42.', usage: { inputTokens: 150, outputTokens: 10, costUsd: 0.002 } },
      ],
      new ToolRegistry().register('search', lookup),
    );
    const rt = testRuntime();
    const outcome = await executor.execute(agentJob({ goal: 'Sum the orders', capabilities: ['search'] }), rt);

    expect(outcome).toMatchObject({ ok: true, output: 'The total is 42.' });
    expect(lookup.calls).toEqual([{ q: 'orders' }]);
    // The tool was offered, and its result went back as a tool message.
    expect(provider.requests[0]!.tools?.map((t) => t.name)).toEqual(['lookup']);
    expect(provider.requests[1]!.messages.at(-1)).toEqual({ role: 'tool', toolCallId: 'call-lookup', name: 'lookup', content: '{"total":42}' });

    const agent = outcome.agent!;
    expect(AgentRunRecordSchema.parse(agent)).toEqual(agent);
    expect(agent).toMatchObject({ provider: 'fake', model: 'fake-model', usage: { inputTokens: 250, outputTokens: 30, costUsd: 0.003 } });
    expect(agent.transcript.map((e) => e.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
    expect(agent.transcript[2]).toMatchObject({
      role: 'assistant',
      content: null,
      toolCalls: [call('lookup', { q: 'orders' })],
      usage: { inputTokens: 100 },
      model: 'fake-model',
    });
    expect(agent.transcript[4]).toMatchObject({ role: 'assistant', content: 'The total is 42.' });
    // Timestamps come from the injected clock, in order.
    const times = agent.transcript.map((e) => e.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(1_700_000_000_000);

    // One info line per model call.
    const callLines = rt.logs.filter(([level, message]) => level === 'info' && message.startsWith('agent call'));
    expect(callLines.map(([, m]) => m)).toEqual([
      expect.stringMatching(/^agent call 1: fake\/fake-model answered in \d+ ms, 100 in \+ 20 out tokens, \$0\.001 \(step total 120\); tool calls: lookup$/),
      expect.stringMatching(/^agent call 2: .*150 in \+ 10 out tokens.*\(step total 280\); answer$/),
    ]);
  });

  it('puts the role, goal and context in the first messages, filtered by config.context', async () => {
    const { provider, executor } = setup([{ text: 'done' }]);
    await executor.execute(
      agentJob({ goal: 'Report the totals', context: { results: ['fetch'], variables: ['currency'] }, parentGoal: 'Audit the shop' }),
      testRuntime(),
    );
    const [system, user] = provider.requests[0]!.messages;
    expect(system).toMatchObject({ role: 'system' });
    expect(system!.content).toContain('executor agent');
    expect(system!.content).toContain('no tools');
    expect(user!.content).toContain('Goal: Report the totals');
    expect(user!.content).toContain('Audit the shop');
    expect(user!.content).toContain('{"results":{"fetch":{"orders":[{"id":1,"total":30},{"id":2,"total":12}]}},"variables":{"currency":"EUR"}}');
    expect(user!.content).not.toContain('hidden');
    expect(provider.requests[0]!.tools).toBeUndefined();
  });

  it('uses a custom system prompt, and truncates a context that is too large, saying so', async () => {
    const provider = scriptedProvider([{ text: 'ok' }]);
    const executor = createAgentExecutor({ providers: registryOf(provider), maxContextChars: 50 });
    await executor.execute(agentJob({ goal: 'g', systemPrompt: 'You are a pirate.' }), testRuntime());
    const [system, user] = provider.requests[0]!.messages;
    expect(system!.content).toMatch(/^You are a pirate\./);
    expect(user!.content).toMatch(/truncated to 50 of \d+ characters/);
    expect(user!.content).toContain('[truncated:');
  });

  it('reports malformed tool arguments, unknown tools and failing tools to the model, which recovers', async () => {
    const lookup = fakeTool('lookup', (args) => {
      if (args['q'] === 'boom') throw new Error('backend unavailable');
      return 'found';
    });
    const { provider, executor } = setup(
      [
        {
          toolCalls: [
            call('lookup', '{"q": "orders"', 'c1'),
            call('delete_everything', {}, 'c2'),
            call('lookup', { q: 7 }, 'c3'),
            call('lookup', { q: 'boom' }, 'c4'),
          ],
        },
        { toolCalls: [call('lookup', { q: 'orders' }, 'c5')] },
        { text: 'recovered' },
      ],
      new ToolRegistry().register('search', lookup),
    );
    const rt = testRuntime();
    const outcome = await executor.execute(agentJob({ goal: 'g', capabilities: ['search'] }), rt);
    expect(outcome).toMatchObject({ ok: true, output: 'recovered' });
    const results = provider.requests[1]!.messages.filter((m) => m.role === 'tool');
    expect(results).toEqual([
      expect.objectContaining({
        toolCallId: 'c1',
        isError: true,
        content: expect.stringMatching(/^the arguments of "lookup" are not valid JSON: \{"q": "orders"\. Call the tool again/),
      }),
      expect.objectContaining({
        toolCallId: 'c2',
        isError: true,
        content: 'tool "delete_everything" is not available to this agent (available tools: lookup)',
      }),
      expect.objectContaining({ toolCallId: 'c3', isError: true, content: 'invalid arguments for "lookup": $.q: must be string' }),
      expect.objectContaining({ toolCallId: 'c4', isError: true, content: 'tool "lookup" failed: backend unavailable' }),
    ]);
    // Only the valid calls ran.
    expect(lookup.calls).toEqual([{ q: 'boom' }, { q: 'orders' }]);
    expect(rt.logs.filter(([level]) => level === 'warn')).toHaveLength(4);
    expect(outcome.agent!.transcript.filter((e) => e.role === 'tool')).toHaveLength(5);
  });

  it('caps tool results sent to the model and, more tightly, those kept in the transcript', async () => {
    const big = fakeTool('big', () => 'x'.repeat(50_000));
    const provider = scriptedProvider([{ toolCalls: [call('big', { q: 'a' })] }, { text: 'ok' }]);
    const executor = createAgentExecutor({
      providers: registryOf(provider),
      tools: new ToolRegistry().register('big', big),
      maxToolResultChars: 1000,
      maxStoredToolResultChars: 100,
    });
    const outcome = await executor.execute(agentJob({ goal: 'g', capabilities: ['big'] }), testRuntime());
    const sent = provider.requests[1]!.messages.at(-1)!;
    expect(sent.content!.length).toBeLessThan(1100);
    expect(sent.content).toContain('[truncated: 49000 of 50000 characters omitted]');
    const stored = outcome.agent!.transcript.find((e) => e.role === 'tool')!;
    expect(stored.content!.length).toBeLessThan(200);
  });

  it('fails with AGENT_MAX_TURNS when the model keeps calling tools', async () => {
    const lookup = fakeTool('lookup', () => 'more');
    const { provider, executor } = setup(
      Array.from({ length: 5 }, (_, i): ScriptedReply => ({ toolCalls: [call('lookup', { q: String(i) }, `c${i}`)] })),
      new ToolRegistry().register('search', lookup),
    );
    const outcome = failure(await executor.execute(agentJob({ goal: 'g', capabilities: ['search'], maxTurns: 3 }), testRuntime()));
    expect(outcome.error).toMatchObject({ code: 'AGENT_MAX_TURNS', message: 'the agent used all 3 turns without a final answer', details: { maxTurns: 3 } });
    expect(provider.requests).toHaveLength(3);
    expect(outcome.agent!.usage).toEqual({ inputTokens: 30, outputTokens: 15 });
    // The last turn's tool call is not run: nobody would read its result.
    expect(lookup.calls).toEqual([{ q: '0' }, { q: '1' }]);
    expect(outcome.agent!.transcript.filter((e) => e.role === 'tool')).toHaveLength(2);
  });

  it('defaults to 10 turns', async () => {
    const lookup = fakeTool('lookup', () => 'more');
    const { provider, executor } = setup(
      Array.from({ length: 12 }, (_, i): ScriptedReply => ({ toolCalls: [call('lookup', { q: String(i) }, `c${i}`)] })),
      new ToolRegistry().register('search', lookup),
    );
    expect(failure(await executor.execute(agentJob({ goal: 'g', capabilities: ['search'] }), testRuntime())).error.code).toBe('AGENT_MAX_TURNS');
    expect(provider.requests).toHaveLength(10);
  });
});

describe('agent executor: provider and model', () => {
  it('uses the named provider and model, else the default provider and its model', async () => {
    const first = scriptedProvider([{ text: 'a' }], { name: 'openai', model: 'gpt-x' });
    const second = scriptedProvider([{ text: 'b', model: 'llama3-8b-answered' }], { name: 'ollama', model: 'llama3' });
    const executor = createAgentExecutor({ providers: registryOf(first, second) });
    const a = await executor.execute(agentJob({ goal: 'g' }), testRuntime());
    const b = await executor.execute(agentJob({ goal: 'g', provider: 'ollama', model: 'llama3-8b' }), testRuntime());
    expect(first.requests[0]!.model).toBe('gpt-x');
    expect(second.requests[0]!.model).toBe('llama3-8b');
    expect(a.agent).toMatchObject({ provider: 'openai', model: 'gpt-x' });
    // The record names the model that answered.
    expect(b.agent).toMatchObject({ provider: 'ollama', model: 'llama3-8b-answered' });
  });

  it('fails an unknown provider with INVALID_CONFIG listing what is configured', async () => {
    const tools = new ToolRegistry().register('search', fakeTool('lookup'));
    const executor = createAgentExecutor({ providers: registryOf(scriptedProvider([], { name: 'openai' }), scriptedProvider([], { name: 'ollama' })), tools });
    const unknownProvider = failure(await executor.execute(agentJob({ goal: 'g', provider: 'mistral' }), testRuntime()));
    expect(unknownProvider.error).toMatchObject({
      code: 'INVALID_CONFIG',
      message: 'invalid agent-task config: $.config.provider: unknown provider "mistral" (configured: openai, ollama)',
    });
  });

  it('describes capabilities no tool provides to the model as skills (the seed names `nlp`, `sentiment`), and logs them', async () => {
    const { provider, executor } = setup([{ text: 'positive' }], new ToolRegistry().register('search', fakeTool('lookup')));
    const rt = testRuntime();
    const outcome = await executor.execute(agentJob({ goal: 'Judge the feedback', capabilities: ['search', 'nlp', 'sentiment'] }), rt);
    expect(outcome).toMatchObject({ ok: true, output: 'positive' });
    expect(provider.requests[0]!.tools?.map((t) => t.name)).toEqual(['lookup']);
    expect(provider.requests[0]!.messages[0]!.content).toContain('Apply these capabilities: nlp, sentiment.');
    expect(rt.logs).toContainEqual(['info', 'capabilities without a tool, described to the model as skills: nlp, sentiment (tools here: search)']);
  });

  it('fails an invalid config with INVALID_CONFIG naming each field', async () => {
    const { executor } = setup([]);
    const outcome = failure(await executor.execute(agentJob({ goal: '', maxTurns: 0, tools: ['x'] }), testRuntime()));
    expect(outcome.error.code).toBe('INVALID_CONFIG');
    expect(outcome.error.message).toContain('$.config.goal: must not be empty');
    expect(outcome.error.message).toContain('$.config.maxTurns');
    expect(outcome.error.message).toContain('$.config.tools: unknown field');
    expect(outcome.agent).toBeUndefined();
  });

  it('turns a ProviderError into AGENT_PROVIDER with its status and details, keeping the record', async () => {
    const { executor } = setup([{ error: new ProviderError('upstream said 503', { provider: 'fake', status: 503, attempts: 4, body: 'x'.repeat(5000) }) }]);
    const outcome = failure(await executor.execute(agentJob({ goal: 'g' }), testRuntime()));
    expect(outcome.error).toMatchObject({
      code: 'AGENT_PROVIDER',
      message: 'provider "fake" failed (HTTP 503, 4 attempts): upstream said 503',
      details: { provider: 'fake', model: 'fake-model', status: 503, attempts: 4 },
    });
    expect(String(outcome.error.details!['body']).length).toBeLessThan(2200);
    expect(outcome.agent!.transcript.map((e) => e.role)).toEqual(['system', 'user']);
    expect(outcome.agent!.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it('reports a network failure (no status) with its code', async () => {
    const { executor } = setup([{ error: new ProviderError('connect ECONNREFUSED', { provider: 'fake', attempts: 1, code: 'ECONNREFUSED' }) }]);
    const outcome = failure(await executor.execute(agentJob({ goal: 'g' }), testRuntime()));
    expect(outcome.error).toMatchObject({ code: 'AGENT_PROVIDER', message: 'provider "fake" failed (ECONNREFUSED, 1 attempt): connect ECONNREFUSED' });
    expect(outcome.error.details).not.toHaveProperty('status');
  });
});

describe('agent executor: token budget', () => {
  it('fails before the first call when nothing is left', async () => {
    const { provider, executor } = setup([{ text: 'never' }]);
    const outcome = failure(await executor.execute(agentJob({ goal: 'g' }, { budget: { remainingTokens: 0 } }), testRuntime()));
    expect(outcome.error).toMatchObject({ code: 'AGENT_BUDGET', details: { budget: 0, used: 0 } });
    expect(provider.requests).toHaveLength(0);
    expect(outcome.agent).toMatchObject({ usage: { inputTokens: 0, outputTokens: 0 } });
  });

  it('fails before a call once the budget is used up exactly', async () => {
    const lookup = fakeTool('lookup', () => 'x');
    const { provider, executor } = setup(
      [{ toolCalls: [call('lookup', { q: 'a' })], usage: { inputTokens: 80, outputTokens: 20 } }, { text: 'never' }],
      new ToolRegistry().register('s', lookup),
    );
    const outcome = failure(await executor.execute(agentJob({ goal: 'g', capabilities: ['s'] }, { budget: { remainingTokens: 100 } }), testRuntime()));
    expect(outcome.error).toMatchObject({ code: 'AGENT_BUDGET', details: { budget: 100, used: 100 } });
    expect(outcome.error.message).toMatch(/exhausted/);
    expect(provider.requests).toHaveLength(1);
  });

  it('fails after a call that goes past the budget, without returning its answer', async () => {
    const { executor } = setup([{ text: 'a perfectly good answer', usage: { inputTokens: 90, outputTokens: 20 } }]);
    const outcome = failure(await executor.execute(agentJob({ goal: 'g' }, { budget: { remainingTokens: 100 } }), testRuntime()));
    expect(outcome.error).toMatchObject({ code: 'AGENT_BUDGET', details: { budget: 100, used: 110 } });
    expect(outcome.error.message).toMatch(/exceeded/);
    // The answer is in the transcript (it was received) but not an output.
    expect(outcome.agent!.transcript.at(-1)).toMatchObject({ role: 'assistant', content: 'a perfectly good answer' });
    expect(outcome.agent!.usage).toEqual({ inputTokens: 90, outputTokens: 20 });
  });

  it('allows a run that uses exactly its budget', async () => {
    const { executor } = setup([{ text: 'ok', usage: { inputTokens: 90, outputTokens: 10 } }]);
    expect(await executor.execute(agentJob({ goal: 'g' }, { budget: { remainingTokens: 100 } }), testRuntime())).toMatchObject({ ok: true, output: 'ok' });
  });
});

describe('agent executor: timeout and cancellation', () => {
  it('fails with TIMEOUT when the run outlives config.timeout, keeping the transcript so far', async () => {
    const { executor } = setup([{ hang: true }]);
    const outcome = failure(await executor.execute(agentJob({ goal: 'g', timeout: 50 }), testRuntime()));
    expect(outcome.error).toMatchObject({ code: 'TIMEOUT', message: 'agent step timed out after 50 ms', details: { timeoutMs: 50, calls: 1 } });
    expect(outcome.agent!.transcript.map((e) => e.role)).toEqual(['system', 'user']);
  });

  it('bounds a tool that ignores its signal', async () => {
    const stuck: AgentTool = {
      spec: { name: 'stuck', description: 'never returns', parameters: { type: 'object' } },
      run: () => new Promise(() => undefined),
    };
    const { executor } = setup([{ toolCalls: [call('stuck', {})] }], new ToolRegistry().register('stuck', stuck));
    const started = Date.now();
    const outcome = failure(await executor.execute(agentJob({ goal: 'g', capabilities: ['stuck'], timeout: 60 }), testRuntime()));
    expect(outcome.error.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('fails with CANCELLED when the runtime signal aborts', async () => {
    const controller = new AbortController();
    const { executor } = setup([
      () => {
        controller.abort();
        return { hang: true };
      },
    ]);
    const outcome = failure(await executor.execute(agentJob({ goal: 'g' }), testRuntime(controller.signal)));
    expect(outcome.error).toMatchObject({ code: 'CANCELLED' });
  });

  it('fails with CANCELLED without calling the model when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { provider, executor } = setup([{ text: 'never' }]);
    expect(failure(await executor.execute(agentJob({ goal: 'g' }), testRuntime(controller.signal))).error.code).toBe('CANCELLED');
    expect(provider.requests).toHaveLength(0);
  });

  it('leaves no listener on the runtime signal, which may outlive many steps', async () => {
    const signal = new AbortController().signal;
    const { executor } = setup([{ text: 'a' }, { error: new ProviderError('bad', { provider: 'fake', status: 400, attempts: 1 }) }]);
    await executor.execute(agentJob({ goal: 'g' }), testRuntime(signal));
    await executor.execute(agentJob({ goal: 'g' }), testRuntime(signal));
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});
