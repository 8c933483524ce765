import { DBOS } from '@dbos-inc/dbos-sdk';

/**
 * One no-op step. Registered (rather than inlined) so every call is a real DBOS
 * step whose output is checkpointed in Postgres — per-step durability is what
 * the comparison measures. Returns a small value so there is something to record.
 */
const noopStep = DBOS.registerStep(async (index: number): Promise<number> => index, {
  name: 'afBenchNoopStep',
});

/** The benchmarked workflow: `steps` sequential checkpointed steps. */
async function sequentialSteps(steps: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += await noopStep(i);
  return sum;
}

/**
 * Registered at import time because DBOS only accepts registrations before `launch()`.
 * The fixed name keeps the computed application version stable across runs.
 */
export const benchWorkflow = DBOS.registerWorkflow(sequentialSteps, { name: 'afBenchSequentialSteps' });

/** Starts one workflow (DBOS generates a fresh id) and waits for it to finish. */
export async function runOne(steps: number): Promise<void> {
  const handle = await DBOS.startWorkflow(benchWorkflow)(steps);
  const result = await handle.getResult();
  const expected = (steps * (steps - 1)) / 2;
  if (result !== expected) throw new Error(`workflow ${handle.workflowID} returned ${result}, expected ${expected}`);
}
