import type { WorkflowDefinitionInput } from '@agentic-flow/spec';

const noop = (id: string, next: string[] = []) => ({ id, type: 'script' as const, config: { script: 'return 1;' }, next });

/** `steps` no-op script steps in a chain. */
export function linear(id: string, steps: number): WorkflowDefinitionInput {
  return { id, name: id, version: '1', steps: Array.from({ length: steps }, (_, i) => noop(`s${i}`, i + 1 < steps ? [`s${i + 1}`] : [])) };
}

/** One parallel step with `branches` no-op script branches. */
export function fanout(id: string, branches: number): WorkflowDefinitionInput {
  const roots = Array.from({ length: branches }, (_, i) => `b${i}`);
  return { id, name: id, version: '1', steps: [{ id: 'fan', type: 'parallel', config: { steps: roots } }, ...roots.map((r) => noop(r))] };
}

/** One http step against the slow server: an execution that stays in flight. */
export function waiting(id: string, url: string): WorkflowDefinitionInput {
  return { id, name: id, version: '1', steps: [{ id: 'wait', type: 'http', config: { url, timeout: 600_000 } }] };
}
