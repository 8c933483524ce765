import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgenticFlowClient, type StepRunView } from '@agentic-flow/sdk';
import { demoModel, startCoordinator, startDemoApi, startFakeLlm, startWorker, type AppProcess, type FakeLlm } from '@agentic-flow/local-cluster';
import { DEMO_SCENARIOS, EXAMPLES_DIR } from './demo-scenarios.js';
import { brief, color, ms, table } from './format.js';

const address = (url: string) => {
  const u = new URL(url);
  return `${u.hostname}:${u.port}${u.pathname === '/' ? '' : u.pathname}`;
};

/**
 * Starts a coordinator and one worker per step type as separate processes against the local
 * PostgreSQL and Redis, runs every demo scenario, prints each step as it finishes and a summary.
 * Returns the exit code: 0 when every scenario completed. With `serve` the cluster stays up
 * afterwards, its URL and the demo's API key printed as `export` lines, until SIGINT or SIGTERM:
 * the README's "Using it" example runs against it as written.
 */
export async function runDemo(env: NodeJS.ProcessEnv, options: { serve?: boolean } = {}): Promise<number> {
  const databaseUrl = env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  // A prefix of its own, so the demo never shares queues with a coordinator already running here.
  const services = { databaseUrl, redisUrl, prefix: `af-demo-${randomBytes(3).toString('hex')}` };
  // The launchers see a process is ready from its info-level ready line: a quieter level would hide it.
  const quiet = { LOG_LEVEL: ['trace', 'debug'].includes(env['LOG_LEVEL'] ?? '') ? env['LOG_LEVEL']! : 'info' };
  console.log(color.bold('Agentic Flow demo'));
  console.log(`  PostgreSQL ${address(databaseUrl)}  Redis ${address(redisUrl)}`);

  const processes: AppProcess[] = [];
  const api = await startDemoApi();
  const model = await modelEndpoint(env);
  try {
    // A bootstrap admin key for this run only: it makes the key the demo works with, as an operator would.
    const coordinator = await startCoordinator(services, { env: { ...quiet, AF_BOOTSTRAP_ADMIN_KEY: randomBytes(32).toString('base64url') } });
    processes.push(coordinator);
    // The local data API is on 127.0.0.1, which the workers' egress policy denies: the http steps and
    // the agents' http tool may reach it, and only it (the model endpoint is configuration, exempt).
    const apiEgress = new URL(api.url).host;
    // Two agent workers, so a coordinator agent's subtasks visibly spread over processes.
    const workers = [
      ['http', 'http'],
      ['script', 'script'],
      ['agent-task', 'agent-task-1'],
      ['agent-task', 'agent-task-2'],
    ] as const;
    processes.push(
      ...(await Promise.all(
        workers.map(([type, name]) =>
          startWorker(services, [type], {
            name: `worker-${name}`,
            env: { ...quiet, WORKER_ID: `demo-${name}`, EGRESS_ALLOW: apiEgress, ...(type === 'agent-task' ? model.env : {}) },
          }),
        ),
      )),
    );
    console.log(
      `  coordinator ${coordinator.url} (pid ${coordinator.pid}); workers: ${workers.map(([, name], i) => `${name} (pid ${processes[i + 1]!.pid})`).join(', ')}`,
    );
    console.log(`  local data API ${api.url}`);
    console.log(`  model endpoint ${model.description}`);

    const admin = new AgenticFlowClient({ baseUrl: coordinator.url, apiKey: coordinator.adminKey });
    const demoKey = await admin.access.createApiKey({ name: 'demo', role: 'editor', expiresInDays: 1 });
    console.log(`  API key ${demoKey.prefix}_… (role ${demoKey.role}, namespace ${demoKey.namespaces.join(', ')}), made with the bootstrap admin key\n`);
    const client = new AgenticFlowClient({ baseUrl: coordinator.url, apiKey: demoKey.key });
    const summary: string[][] = [['scenario', 'status', 'steps run', 'duration']];
    let failures = 0;
    for (const scenario of DEMO_SCENARIOS) {
      const text = await readFile(join(EXAMPLES_DIR, scenario.file), 'utf8');
      // Every example takes `apiUrl`, pointed here at the local stand-in API.
      const { id, version } = await client.createWorkflow(text);
      console.log(color.bold(`▶ ${scenario.name}`) + color.dim(`  ${id}@${version}  (examples/${scenario.file})`));
      const started = Date.now();
      const executionId = await client.executeWorkflow(id, { apiUrl: api.url }, { version });
      const execution = await client.waitForCompletion(executionId, { timeoutMs: 120_000, stepOutputs: true, onStep: printStep });
      const duration = Date.now() - started;
      const ok = execution.status === 'completed';
      if (!ok) failures += 1;
      console.log(
        `  ${ok ? color.green(execution.status) : color.red(execution.status)} in ${ms(duration)}${execution.error ? `: ${execution.error.message}` : ''}\n`,
      );
      summary.push([scenario.name, execution.status, String(execution.steps.filter((s) => s.status !== 'skipped').length), ms(duration)]);
    }
    console.log(color.bold('Summary'));
    console.log(table(summary).replace(/^/gm, '  '));
    if (options.serve) await serveUntilSignal(coordinator.url, demoKey.key);
    return failures === 0 ? 0 : 1;
  } finally {
    await Promise.all(processes.map((p) => p.stop(5_000)));
    await Promise.all([api.close(), model.fake?.close()]);
  }
}

/** Prints how to reach the running cluster and waits for SIGINT or SIGTERM (then the caller stops it). */
async function serveUntilSignal(url: string, apiKey: string): Promise<void> {
  console.log(`\n${color.bold('Serving')} until Ctrl-C. In another shell:`);
  console.log(`  export AF_URL=${url}`);
  console.log(`  export AF_API_KEY=${apiKey}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  console.log('stopping');
}

const MODEL_SETTINGS = /^(AGENT_|OPENAI_|ANTHROPIC_)/;

/**
 * The model the agent examples talk to: the endpoint the environment configures (AGENT_BASE_URL,
 * OPENAI_API_KEY, ANTHROPIC_API_KEY, AGENT_PROVIDER_*), passed to the agent workers as it is; else a
 * local scripted stand-in, so the demo runs on any machine.
 */
async function modelEndpoint(env: NodeJS.ProcessEnv): Promise<{ env: Record<string, string>; description: string; fake?: FakeLlm }> {
  const configured = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => MODEL_SETTINGS.test(entry[0]) && entry[1] !== undefined && entry[1] !== ''),
  );
  if (
    configured['AGENT_BASE_URL'] ||
    configured['OPENAI_API_KEY'] ||
    configured['ANTHROPIC_API_KEY'] ||
    Object.keys(configured).some((k) => k.startsWith('AGENT_PROVIDER_'))
  ) {
    const url = configured['AGENT_BASE_URL'] ?? configured['OPENAI_BASE_URL'] ?? 'https://api.openai.com/v1';
    return { env: configured, description: `${url} (from the environment; model ${configured['AGENT_MODEL'] ?? configured['OPENAI_MODEL'] ?? 'gpt-4o-mini'})` };
  }
  const fake = await startFakeLlm(demoModel);
  return {
    env: { AGENT_BASE_URL: fake.url, AGENT_MODEL: 'demo-model' },
    description: `${fake.url} — a local scripted stand-in (set AGENT_BASE_URL and OPENAI_API_KEY, or ANTHROPIC_API_KEY, to use a real model)`,
    fake,
  };
}

function printStep(step: StepRunView): void {
  const mark = step.status === 'succeeded' ? color.green('✓') : step.status === 'skipped' ? color.dim('-') : color.red('✗');
  const detail = step.error
    ? color.red(`${step.error.code}: ${step.error.message}`)
    : step.status === 'skipped'
      ? color.dim('skipped')
      : color.dim(brief(step.output, 60));
  console.log(`  ${mark} ${step.instanceKey.padEnd(40)} ${step.stepType.padEnd(9)} ${ms(step.durationMs).padStart(6)}  ${detail}`);
}
