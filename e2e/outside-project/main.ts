import { AgenticFlowClient } from '@agentic-flow/sdk';
import { calledMethods, plan, type Context } from './plan.js';
import { startTarget } from './target.js';

/**
 * A program in a project of its own, using the SDK as installed from its tarball: runs the plan
 * against the coordinator at AF_URL with the admin key AF_API_KEY, printing `ok <step>` per step.
 * Exit code 0 when every step passed. e2e/sdk-package.e2e.test.ts copies this directory into a
 * project of its own and installs the SDK there; to iterate on it inside the repository,
 * `node_modules/.bin/tsc -p e2e/outside-project/tsconfig.json --noEmit` checks it against the
 * workspace's built SDK.
 */
const baseUrl = process.env['AF_URL'];
const apiKey = process.env['AF_API_KEY'];
if (!baseUrl || !apiKey) {
  console.error('usage: AF_URL=http://127.0.0.1:3000 AF_API_KEY=<admin key> node dist/main.js');
  process.exit(2);
}

const target = await startTarget();
const context: Context = { client: new AgenticFlowClient({ baseUrl, apiKey }), baseUrl, target };
let failed = false;
for (const [name, run] of plan) {
  const started = Date.now();
  try {
    await run(context);
    console.log(`ok ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    console.log(`FAILED ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    failed = true;
    break;
  }
}
target.release();
await target.close();
console.log(JSON.stringify({ called: calledMethods }));
process.exit(failed ? 1 : 0);
