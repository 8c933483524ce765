// Compiled (never run) by ../typed-results.test.ts: the lines marked @ts-expect-error must fail to
// type-check, everything else must pass, under the repository's strict settings.
import { type AgenticFlowClient, defineWorkflow, type ResultsOf, type StepIdsOf } from '@agentic-flow/sdk';

const pipeline = defineWorkflow({
  id: 'pipeline',
  name: 'Pipeline',
  version: '1.0.0',
  steps: [
    { id: 'fetch', type: 'script', config: { script: 'return [1, 2, 3];' }, next: ['sum'] },
    { id: 'sum', type: 'script', config: { script: 'return results.fetch.reduce((a, b) => a + b, 0);' } },
  ],
});

// `as const` works the same.
const frozen = defineWorkflow({
  id: 'frozen',
  name: 'Frozen',
  version: '1',
  steps: [{ id: 'only', type: 'script', config: { script: 'return 1;' } }],
} as const);

const ids: StepIdsOf<typeof pipeline> = 'sum';
// @ts-expect-error not a step of the pipeline
const notAnId: StepIdsOf<typeof pipeline> = 'save';
const frozenIds: StepIdsOf<typeof frozen>[] = ['only'];

// @ts-expect-error a step type that does not exist is refused as it is written
defineWorkflow({ id: 'x', name: 'X', version: '1', steps: [{ id: 'a', type: 'teleport', config: {} }] });

export async function typed(client: AgenticFlowClient): Promise<void> {
  await client.createWorkflow(pipeline);
  await client.createWorkflow(frozen);
  const run = await client.start(pipeline, { a: 1 });
  const results = await run.result();
  const sum: unknown = results.sum;
  const fetched: unknown = results.fetch;
  // @ts-expect-error no step "save"
  void results.save;
  const exact: ResultsOf<typeof pipeline> = { fetch: [1], sum: 6 };
  // Say more of the outputs where you know them.
  const count = (await run.result<{ sum: number }>()).sum + 1;
  const byId = await client.start<{ total: number }>('pipeline');
  const total: number = (await byId.result()).total;
  // An id without a type: a record of unknowns.
  const loose = await (await client.start('pipeline')).result();
  const anything: unknown = loose['whatever'];
  void [ids, notAnId, frozenIds, sum, fetched, exact, count, total, anything];
}
