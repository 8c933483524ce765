import { defineWorkflow, type AgenticFlowClient } from '@agentic-flow/sdk';

/**
 * Compiled, never run. Each `@ts-expect-error` must be needed: were a result or a parameter `any`
 * (a declaration that did not resolve), the line below it would compile and tsc would report the
 * unused directive (TS2578).
 */
export async function typesAreComplete(client: AgenticFlowClient): Promise<void> {
  const execution = await client.getExecution('id');
  // @ts-expect-error an execution has no such field
  execution.totallyMadeUp.whatever;
  // @ts-expect-error a status is one of the execution statuses
  execution.status = 'exploded';
  const page = await client.listWorkflows();
  // @ts-expect-error a workflow summary has no such field
  page.items[0]?.totallyMadeUp.whatever;
  const error = await client.errorHandler.getError('id');
  // @ts-expect-error an error view has no such field
  error.totallyMadeUp.whatever;
  const health = await client.monitor.getHealthStatus();
  // @ts-expect-error health components are named
  health.components.totallyMadeUp.whatever;
  // @ts-expect-error a workflow id is a string
  await client.executeWorkflow(42);
  // @ts-expect-error a definition needs its steps
  await client.createWorkflow({ id: 'x', name: 'x', version: '1.0.0' });
  // A definition from defineWorkflow types an execution's results by its step ids.
  const typed = defineWorkflow({ id: 'typed', name: 'Typed', version: '1', steps: [{ id: 'only', type: 'script', config: { script: 'return 1;' } }] });
  const results = await (await client.start(typed)).result();
  const only: unknown = results.only;
  // @ts-expect-error no step "other"
  results.other;
  void only;
}
