import type { ExecutionView } from '@agentic-flow/spec';
import { describe, expect, it } from 'vitest';
import { stepRunsOf, wholeExecution } from '../src/step-pages.js';

/** Pages of an execution as the coordinator answers them: `results` only for the page's steps. */
const pages: Record<string, Partial<ExecutionView>> = {
  first: { status: 'completed', steps: [run('a'), run('b')] as ExecutionView['steps'], results: { a: 1, b: 2 }, nextStepsCursor: 'c1' },
  c1: { status: 'completed', steps: [run('c')] as ExecutionView['steps'], results: { c: 3 }, nextStepsCursor: 'c2' },
  c2: { status: 'completed', steps: [run('d')] as ExecutionView['steps'], results: {}, nextStepsCursor: null },
};
function run(stepId: string) {
  return { id: `run-${stepId}`, stepId };
}
const read = async (cursor: string | undefined) => pages[cursor ?? 'first'] as ExecutionView;

describe('step pages', () => {
  it('wholeExecution puts every page together: every run, the union of results, no cursor', async () => {
    const whole = await wholeExecution(read);
    expect(whole.steps.map((s) => s.stepId)).toEqual(['a', 'b', 'c', 'd']);
    expect(whole.results).toEqual({ a: 1, b: 2, c: 3 });
    expect(whole.nextStepsCursor).toBeNull();
  });

  it('wholeExecution answers a single page as it is', async () => {
    const only = { steps: [], nextStepsCursor: null } as unknown as ExecutionView;
    expect(await wholeExecution(async () => only)).toBe(only);
  });

  it('stepRunsOf yields every run across pages in order', async () => {
    const ids: string[] = [];
    for await (const step of stepRunsOf(read)) ids.push(step.id);
    expect(ids).toEqual(['run-a', 'run-b', 'run-c', 'run-d']);
  });
});
