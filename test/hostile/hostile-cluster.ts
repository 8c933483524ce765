import type { ExecutionView, WorkflowDefinitionInput } from '@agentic-flow/sdk';
import type { AppProcess } from '@agentic-flow/testing';
import { expect } from 'vitest';
import { startCluster, type Cluster } from '../../e2e/cluster.js';

/**
 * A real cluster for a file of hostile cases, and the checks every case ends with: every process
 * is still alive and serving, and an unrelated execution (the canary: two script steps) completes
 * within a bound — during the attack (`canaryDuring`) and after it (`expectServing`).
 */
export interface HostileCluster {
  cluster: Cluster;
  /** Registers `definition` (once per id and version) and runs it to its end; the execution, outputs included. */
  run(definition: WorkflowDefinitionInput, variables?: Record<string, unknown>, timeoutMs?: number): Promise<ExecutionView>;
  /** Starts an execution of `definition` without waiting for it. */
  start(definition: WorkflowDefinitionInput, variables?: Record<string, unknown>): Promise<string>;
  /** Runs the canary now; resolves with how long it took (ms), failing if it does not complete within `boundMs`. */
  canary(boundMs?: number): Promise<number>;
  /** Every process alive, the coordinator answering, and the canary completing within `boundMs`. */
  expectServing(boundMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const CANARY_BOUND_MS = 5_000;

const CANARY: WorkflowDefinitionInput = {
  id: 'canary',
  name: 'Canary',
  version: '1',
  steps: [
    { id: 'one', type: 'script', config: { script: 'return 1;' }, next: ['two'] },
    { id: 'two', type: 'script', config: { script: 'return results.one + 1;' } },
  ],
};

export async function startHostileCluster(
  workers: string[][],
  env: { coordinator?: Record<string, string>; worker?: Record<string, string> } = {},
  options: { coordinators?: number } = {},
): Promise<HostileCluster> {
  const cluster = await startCluster(workers, env, options);
  const exits = new Map<AppProcess, number | string>();
  for (const process of [...cluster.coordinators, ...cluster.workers]) void process.exited.then((how) => exits.set(process, how));
  const registered = new Set<string>();
  const register = async (definition: WorkflowDefinitionInput): Promise<void> => {
    const key = `${definition.id}@${definition.version}`;
    if (registered.has(key)) return;
    await cluster.client.createWorkflow(definition);
    registered.add(key);
  };
  const hostile: HostileCluster = {
    cluster,
    async start(definition, variables = {}) {
      await register(definition);
      return cluster.client.executeWorkflow(definition.id, variables, { version: definition.version });
    },
    async run(definition, variables = {}, timeoutMs = 60_000) {
      const id = await hostile.start(definition, variables);
      return cluster.client.waitForCompletion(id, { timeoutMs, pollIntervalMs: 50 });
    },
    async canary(boundMs = CANARY_BOUND_MS) {
      const started = Date.now();
      const execution = await hostile.run(CANARY, {}, boundMs);
      const took = Date.now() - started;
      expect(execution.status, 'the canary completes').toBe('completed');
      expect(execution.results['two']).toBe(2);
      expect(took, 'the canary completes within its bound').toBeLessThan(boundMs);
      return took;
    },
    async expectServing(boundMs = CANARY_BOUND_MS) {
      const dead = [...exits].map(([process, how]) => `${process.name} (${how})`);
      expect(dead, 'no process died').toEqual([]);
      const health = await fetch(`${cluster.coordinator.url}/healthz`);
      expect(health.status).toBe(200);
      await hostile.canary(boundMs);
    },
    stop: () => cluster.stop(),
  };
  return hostile;
}
