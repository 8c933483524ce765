import type { WorkflowDefinitionInput } from '@agentic-flow/spec';

/** The seed's Quick Start pipeline, with a script standing in for the agent step. */
export function quickStart(): WorkflowDefinitionInput {
  return {
    id: 'my-workflow',
    name: 'Data Processing Pipeline',
    description: 'Process and analyze data',
    version: '1.0.0',
    steps: [
      { id: 'fetch-data', type: 'http', name: 'Fetch Data', config: { method: 'GET', url: '{{ variables.apiUrl }}/data', retries: 3 }, next: ['process-data'] },
      {
        id: 'process-data',
        type: 'script',
        name: 'Process',
        config: { script: 'return { count: results["fetch-data"].items.length };' },
        next: ['save-results'],
      },
      { id: 'save-results', type: 'script', name: 'Save Results', config: { script: "console.log('Saving results...'); return { saved: true };" } },
    ],
    variables: { apiUrl: 'http://localhost:9' },
    triggers: [],
  };
}

export function linear(...ids: string[]): WorkflowDefinitionInput {
  return {
    id: 'linear',
    name: 'Linear',
    version: '1',
    steps: ids.map((id, i) => ({
      id,
      type: 'script' as const,
      config: { script: `return ${i};` },
      next: i + 1 < ids.length ? [ids[i + 1]!] : [],
    })),
  };
}

export function script(id: string, next: string[] = []) {
  return { id, type: 'script' as const, config: { script: 'return 1;' }, next };
}
