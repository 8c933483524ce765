import { fileURLToPath } from 'node:url';

export interface DemoScenario {
  name: string;
  /** A definition under `examples/`. */
  file: string;
  /** Variables for the execution; `apiUrl` is the demo's local API. */
  variables: (apiUrl: string) => Record<string, unknown>;
}

export const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/', import.meta.url));

/** The scenarios of the seed's demo list that run on the cluster today, in order. */
export const DEMO_SCENARIOS: readonly DemoScenario[] = [
  { name: 'quick-start', file: 'quick-start.yaml', variables: (apiUrl) => ({ apiUrl }) },
];
