import { fileURLToPath } from 'node:url';

export interface DemoScenario {
  name: string;
  /** A definition under `examples/`; it takes an `apiUrl` variable for the services it calls. */
  file: string;
}

export const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/', import.meta.url));

/** The seed's demo scenarios that run on the cluster, in the order the demo shows them. */
export const DEMO_SCENARIOS: readonly DemoScenario[] = [
  { name: 'linear', file: 'linear.yaml' },
  { name: 'parallel', file: 'parallel.yaml' },
  { name: 'conditional', file: 'conditional.yaml' },
  { name: 'loop', file: 'loop.yaml' },
  { name: 'http', file: 'http.yaml' },
  { name: 'script', file: 'script.yaml' },
  { name: 'wait', file: 'wait.yaml' },
  { name: 'complex multi-step', file: 'complex.yaml' },
  { name: 'data pipeline (Quick Start)', file: 'quick-start.yaml' },
  { name: 'coordinator agent', file: 'agents.yaml' },
];
