import { describe, expect, it } from 'vitest';
import { stepScope, workJobContents } from '@agentic-flow/engine';
import { Run, agent, compile, http, runSteps, script, wf } from './harness.js';

/** A scope the test can recognise, and how often it was asked for. */
function scopeProbe() {
  const probe = { calls: 0, scope: { results: { marker: 1 }, variables: {}, input: {}, execution: { id: 'exec-1', workflowId: 'wf', workflowVersion: '1' } } };
  return {
    probe,
    scope: () => {
      probe.calls++;
      return probe.scope;
    },
  };
}

describe("workJobContents (what a work step's job carries beside its config, by its type)", () => {
  const workflow = compile(wf([http('fetch', 'https://api.example.com/'), script('shape'), agent('think', {})]));

  it('gives an http job neither scope nor budget, and does not work its scope out', () => {
    const run = new Run(workflow, {}, { tokenBudget: 900 });
    const { probe, scope } = scopeProbe();
    expect(workJobContents('http', run.state, scope)).toEqual({});
    expect(probe.calls).toBe(0);
  });

  it('gives a script job its scope, and no budget', () => {
    const run = new Run(workflow, {}, { tokenBudget: 900 });
    const { probe, scope } = scopeProbe();
    expect(workJobContents('script', run.state, scope)).toEqual({ context: probe.scope });
  });

  it('gives an agent job its scope and, under a token budget, what is left of it', () => {
    const { probe, scope } = scopeProbe();
    expect(workJobContents('agent-task', new Run(workflow, {}, { tokenBudget: 900 }).state, scope)).toEqual({
      context: probe.scope,
      budget: { remainingTokens: 900 },
    });
    expect(workJobContents('agent-task', new Run(workflow).state, scope)).toEqual({ context: probe.scope });
  });

  it('gives a type it does not know (a raw `__proto__`) nothing', () => {
    const { probe, scope } = scopeProbe();
    expect(workJobContents('__proto__', new Run(workflow, {}, { tokenBudget: 900 }).state, scope)).toEqual({});
    expect(probe.calls).toBe(0);
  });

  it("is what the engine's run-step carries", () => {
    const run = new Run(workflow, {}, { tokenBudget: 900 });
    const started = runSteps(run.start());
    expect(started.map((c) => c.stepId).sort()).toEqual(['fetch', 'shape', 'think']);
    for (const command of started) {
      const { context, budget } = command;
      const expected = workJobContents(command.stepType, run.state, () => stepScope(workflow, run.state, command.key, command.stepId));
      expect([command.stepId, { ...(context ? { context } : {}), ...(budget ? { budget } : {}) }]).toEqual([command.stepId, expected]);
    }
  });
});
