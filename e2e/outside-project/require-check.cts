// The CommonJS entry: `require('@agentic-flow/sdk')` (this file compiles to `require` calls), typed
// from the package's CommonJS declarations. Prints the health status of the coordinator at AF_URL.
import { AgenticFlowClient, AgenticFlowError } from '@agentic-flow/sdk';

type HealthStatus = Awaited<ReturnType<AgenticFlowClient['monitor']['getHealthStatus']>>;

/** Compiled, never run: the CommonJS declarations are as complete as the ESM ones. */
export function typesAreComplete(health: HealthStatus): void {
  // @ts-expect-error a health status has no such field
  health.totallyMadeUp.whatever;
}

async function main(): Promise<void> {
  const client = new AgenticFlowClient({ baseUrl: process.env['AF_URL'] ?? '', apiKey: process.env['AF_API_KEY'] ?? '' });
  const health = await client.monitor.getHealthStatus();
  try {
    await client.getWorkflow('no-such-workflow');
  } catch (error) {
    if (!(error instanceof AgenticFlowError) || error.code !== 'WORKFLOW_NOT_FOUND') throw error;
    console.log(JSON.stringify({ health: health.status, refusal: error.code }));
    return;
  }
  throw new Error('expected WORKFLOW_NOT_FOUND');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
