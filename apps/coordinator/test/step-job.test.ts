import { compileWorkflow, createExecutionState, decide, type CompiledWorkflow, type EngineCommand, type ExecutionState } from '@agentic-flow/engine';
import type { StepJob } from '@agentic-flow/queue';
import { validateDefinition, type WorkflowDefinitionInput } from '@agentic-flow/spec';
import { describe, expect, it } from 'vitest';
import { Effects } from '../src/executions/effects.js';
import { jobsForExistingRuns } from '../src/executions/existing-run-jobs.js';

/**
 * A job is built in one place (`stepJobDraft`), from the engine's `run-step` or from a run
 * PostgreSQL holds (`jobsForExistingRuns`: the reconciler, a resume). The two must be the same job:
 * a step enqueued again that lost its scope or its budget would run differently from the first time.
 */

const execution = { id: 'exec-1', namespace: 'default', workflowId: 'jobs', workflowVersion: '1' };

function compile(input: WorkflowDefinitionInput): CompiledWorkflow {
  const result = validateDefinition(input);
  if (!result.ok) throw new Error(`invalid test workflow: ${JSON.stringify(result.problems)}`);
  return compileWorkflow(result.definition, result.graph);
}

const workflow = compile({
  id: 'jobs',
  name: 'Jobs',
  version: '1',
  steps: [
    // A secret slot, and a retry strategy: both must survive the round trip through the stored run.
    {
      id: 'fetch',
      type: 'http',
      config: { url: 'https://api.example.com/{{ input.path }}?key={{ secrets.KEY }}' },
      onError: { type: 'retry', maxAttempts: 3 },
      next: ['shape', 'think'],
    },
    { id: 'shape', type: 'script', config: { script: 'return results.fetch.items.length;' } },
    { id: 'think', type: 'agent-task', config: { goal: 'Summarise {{ results.fetch.title }}' } },
  ],
});

/** The jobs of `commands` both ways: through `Effects` (as a transition does), and from the runs it writes (as the reconciler does). */
function bothWays(state: ExecutionState, commands: readonly EngineCommand[]): { fromCommands: StepJob[]; fromRuns: StepJob[] } {
  const effects = new Effects();
  effects.add(execution, workflow, commands);
  const rows = effects.stepRunWrites().filter((row) => row.status === 'queued');
  const keys = rows.map((row, i) => ({ id: `run-${i}`, executionId: row.executionId, instanceKey: row.instanceKey, attempt: row.attempt }));
  const fromCommands = effects.afterCommit(keys).jobs;
  const at = commands.find((c) => c.type === 'run-step')!.at;
  const runs = rows.map((row, i) => ({
    id: `run-${i}`,
    instanceKey: row.instanceKey,
    stepId: row.stepId,
    stepType: row.stepType,
    attempt: row.attempt,
    input: row.input,
  }));
  const fromRuns = jobsForExistingRuns(workflow, state, runs, at, {});
  return { fromCommands, fromRuns };
}

describe('a step job, from the engine and from a stored run', () => {
  it('is the same job for an http step with secret slots and a retry policy', () => {
    const initial = createExecutionState({
      executionId: execution.id,
      workflowId: 'jobs',
      workflowVersion: '1',
      defaults: {},
      input: { path: 'items' },
      tokenBudget: 1_000,
    });
    const started = decide(workflow, initial, { type: 'start', at: 10 });
    const { fromCommands, fromRuns } = bothWays(started.state, started.commands);
    expect(fromCommands).toHaveLength(1);
    expect(fromCommands[0]).toMatchObject({
      stepType: 'http',
      secretSlots: [expect.anything()],
      retry: expect.objectContaining({ attempts: 3 }),
      enqueuedAt: 10,
    });
    expect(fromCommands[0]).not.toHaveProperty('context');
    expect(fromCommands[0]).not.toHaveProperty('budget');
    expect(fromRuns).toEqual(fromCommands);
  });

  it('is the same job for a script (its scope) and an agent (its scope and what is left of the budget)', () => {
    const initial = createExecutionState({
      executionId: execution.id,
      workflowId: 'jobs',
      workflowVersion: '1',
      defaults: {},
      input: { path: 'items' },
      tokenBudget: 1_000,
    });
    const started = decide(workflow, initial, { type: 'start', at: 10 });
    const fetched = decide(workflow, started.state, { type: 'step.succeeded', key: 'fetch', attempt: 1, output: { items: [1, 2], title: 'Q3' }, at: 20 });
    const { fromCommands, fromRuns } = bothWays(fetched.state, fetched.commands);
    expect(fromCommands.map((job) => job.stepType).sort()).toEqual(['agent-task', 'script']);
    const byType = Object.fromEntries(fromCommands.map((job) => [job.stepType, job]));
    expect(byType['script']).toMatchObject({ context: { results: { fetch: { items: [1, 2], title: 'Q3' } } } });
    expect(byType['script']).not.toHaveProperty('budget');
    expect(byType['agent-task']).toMatchObject({
      config: { goal: 'Summarise Q3' },
      context: { results: { fetch: { items: [1, 2], title: 'Q3' } } },
      budget: { remainingTokens: 1_000 },
    });
    expect(fromRuns).toEqual(fromCommands);
  });
});
