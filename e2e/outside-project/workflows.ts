import type { WorkflowDefinitionInput } from '@agentic-flow/sdk';

/** Fetches, then sums in a script that logs: completes at once. */
export const basic = {
  id: 'outside-basic',
  name: 'Outside project: fetch and sum',
  version: '1.0.0',
  variables: { a: 1, b: 2 },
  steps: [
    { id: 'fetch', type: 'http', config: { url: '{{ variables.target }}/data' }, next: ['sum'] },
    {
      id: 'sum',
      type: 'script',
      config: { script: 'console.log("summing"); return { sum: variables.a + variables.b, items: results.fetch.items.length };' },
    },
  ],
} satisfies WorkflowDefinitionInput;

/** Waits on the target's `/hold` until released: an execution that stays running. */
export const gated = {
  id: 'outside-gated',
  name: 'Outside project: held',
  version: '1.0.0',
  steps: [
    { id: 'hold', type: 'http', config: { url: '{{ variables.target }}/hold', timeout: 120_000 }, next: ['after'] },
    { id: 'after', type: 'script', config: { script: 'return { after: true };' } },
  ],
} satisfies WorkflowDefinitionInput;

/** Calls the target's `/flaky`; the program registers an escalate strategy for its step (`{ workflowId, stepId }`). */
export const escalating = {
  id: 'outside-escalating',
  name: 'Outside project: escalates',
  version: '1.0.0',
  steps: [{ id: 'approve', type: 'http', config: { url: '{{ variables.target }}/flaky' } }],
} satisfies WorkflowDefinitionInput;
