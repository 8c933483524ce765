import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgenticFlowClient, type ExecutionView, type RecoveryStrategyInput, type StrategyTarget, type WorkflowDefinitionInput, type WorkflowErrorHandler } from '@agentic-flow/sdk';
import { STEP_TYPES, type StepType } from '@agentic-flow/spec';
import { startFakeLlm, type FakeLlm, type FakeLlmDirective, type FakeLlmRequest } from '@agentic-flow/testing';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * Seed conformance: every step config and recovery strategy of the seed's README
 * (e2e/seed/agentic-flow-v2-README.md, a verbatim copy of the seed), copied here as the seed writes
 * it, composed into runnable workflows and held to what the seed says it does. Only two things
 * change when they run: URLs under https://api.example.com go to a local server (`local`), and the
 * model is the local stand-in LLM the worker is pointed at (the configs name no model). The first
 * test checks that this file holds the seed's text unchanged, so an edit of either that breaks an
 * example fails here. (The blank lines with trailing spaces in `dataTransform` are the seed's own.)
 */

/** The seed's names for the SDK's types. */
type WorkflowDefinition = WorkflowDefinitionInput;
type SeedStep = WorkflowDefinitionInput['steps'][number];

// ---- The seed's Quick Start ("Basic Usage") ----

const workflow: WorkflowDefinition = {
  id: 'my-workflow',
  name: 'Data Processing Pipeline',
  description: 'Process and analyze data',
  version: '1.0.0',
  steps: [
    {
      id: 'fetch-data',
      type: 'http',
      name: 'Fetch Data',
      config: {
        method: 'GET',
        url: 'https://api.example.com/data',
        retries: 3
      },
      next: ['process-data']
    },
    {
      id: 'process-data',
      type: 'agent-task',
      name: 'AI Processing',
      config: {
        agentType: 'executor',
        goal: 'Analyze and transform the fetched data',
        capabilities: ['data-analysis', 'transformation']
      },
      next: ['save-results']
    },
    {
      id: 'save-results',
      type: 'script',
      name: 'Save Results',
      config: {
        script: `
          console.log('Saving results...');
          // Process results from previous steps
          return { saved: true, timestamp: new Date() };
        `
      }
    }
  ],
  variables: {},
  triggers: []
};

// ---- The seed's "Step Type Documentation", one step config each ----

// Agent Task Steps
const aiAnalysis: SeedStep =
{
  id: 'ai-analysis',
  type: 'agent-task',
  name: 'AI Data Analysis',
  config: {
    agentType: 'coordinator',          // 'coordinator' | 'executor'
    goal: 'Analyze customer feedback', // Task description
    capabilities: ['nlp', 'sentiment'], // Required capabilities
    timeout: 30000,                    // Execution timeout
    provider: 'openai'                 // Optional LLM provider
  }
};

// Parallel Execution Steps
const parallelProcessing: SeedStep =
{
  id: 'parallel-processing',
  type: 'parallel',
  name: 'Parallel Data Processing',
  config: {
    steps: ['process-a', 'process-b', 'process-c'], // Steps to run in parallel
    maxConcurrency: 3                               // Max concurrent executions
  }
};

// Conditional Steps
const dataCheck: SeedStep =
{
  id: 'data-check',
  type: 'condition',
  name: 'Validate Data Quality',
  config: {
    condition: 'results["data-fetch"].quality > 0.8', // JavaScript expression
    trueStep: 'high-quality-processing',              // Step if true
    falseStep: 'data-cleaning'                        // Step if false
  }
};

// Loop Steps
const batchProcessing: SeedStep =
{
  id: 'batch-processing',
  type: 'loop',
  name: 'Process Data Batches',
  config: {
    condition: 'variables.batchIndex < variables.totalBatches', // Continue condition
    loopStep: 'process-single-batch',                           // Step to repeat
    maxIterations: 100,                                         // Safety limit
    breakCondition: 'results["process-single-batch"].error'    // Early exit condition
  }
};

// HTTP Request Steps
const apiCall: SeedStep =
{
  id: 'api-call',
  type: 'http',
  name: 'External API Call',
  config: {
    method: 'POST',                           // HTTP method
    url: 'https://api.example.com/process',   // URL with template support
    headers: {                                // Request headers
      'Authorization': 'Bearer {{variables.token}}',
      'Content-Type': 'application/json'
    },
    body: {                                   // Request body
      data: '{{results["data-fetch"].data}}'
    },
    timeout: 10000,                          // Request timeout
    retries: 3,                              // Retry attempts
    retryDelay: 1000                         // Delay between retries
  }
};

// Script Steps
const dataTransform: SeedStep =
{
  id: 'data-transform',
  type: 'script',
  name: 'Transform Data',
  config: {
    script: `
      // Access workflow context
      const inputData = results["data-fetch"];
      const config = variables.transformConfig;
      
      // Perform transformation
      const transformed = inputData.map(item => ({
        ...item,
        processed: true,
        timestamp: new Date()
      }));
      
      console.log(\`Transformed \${transformed.length} items\`);
      
      return {
        data: transformed,
        count: transformed.length,
        processingTime: Date.now() - startTime
      };
    `,
    language: 'javascript',                  // Language (currently only JS)
    timeout: 30000,                         // Execution timeout
    allowedModules: ['lodash', 'uuid']      // Allowed npm modules
  }
};

// ---- The seed's recovery strategies, as it registers them ----

/** "With Monitoring and Error Handling". */
function monitoringStrategies(errorHandler: SeedErrorHandler): void {
errorHandler.registerRecoveryStrategy('http', {
  type: 'retry',
  maxAttempts: 3,
  retryDelay: 2000
});

errorHandler.registerRecoveryStrategy('agent-task', {
  type: 'escalate',
  escalationHandler: 'manual-intervention'
});
}

/** "Retry Strategy". */
function retryStrategy(errorHandler: SeedErrorHandler): void {
errorHandler.registerRecoveryStrategy('http', {
  type: 'retry',
  maxAttempts: 3,
  retryDelay: 2000  // Exponential backoff
});
}

/** "Skip Strategy". */
function skipStrategy(errorHandler: SeedErrorHandler): void {
errorHandler.registerRecoveryStrategy('optional-step', {
  type: 'skip'  // Continue workflow without this step
});
}

/** "Alternative Strategy". */
function alternativeStrategy(errorHandler: SeedErrorHandler): void {
errorHandler.registerRecoveryStrategy('primary-processor', {
  type: 'alternative',
  alternativeStep: 'backup-processor'
});
}

/** "Rollback Strategy". */
function rollbackStrategy(errorHandler: SeedErrorHandler): void {
errorHandler.registerRecoveryStrategy('critical-step', {
  type: 'rollback',
  rollbackSteps: ['step1', 'step2', 'step3']
});
}

/** "Escalation Strategy". */
function escalationStrategy(errorHandler: SeedErrorHandler): void {
errorHandler.registerRecoveryStrategy('manual-approval', {
  type: 'escalate',
  escalationHandler: 'admin-notification'
});
}

// ---- Running them ----

/**
 * The seed's `registerRecoveryStrategy(stepTypeOrId, strategy)`, which it calls without awaiting:
 * this handler keeps each call's promise for the test to await.
 */
interface SeedErrorHandler {
  registerRecoveryStrategy(stepTypeOrId: string, strategy: RecoveryStrategyInput): void;
}

/**
 * Runs the seed's registrations in the workflow `workflowId` of its example. The seed names a step
 * by its id alone, which would make its strategy apply to any workflow with a step of that id; a
 * step id only means something inside its workflow, so the API takes `{ workflowId, stepId }` and
 * refuses a bare step id (issue 15). A seed call naming a step type stays a type-level strategy.
 */
async function register(handler: WorkflowErrorHandler, strategies: (errorHandler: SeedErrorHandler) => void, workflowId: string): Promise<void> {
  const calls: Promise<unknown>[] = [];
  const targetOf = (stepTypeOrId: string): StrategyTarget => ((STEP_TYPES as readonly string[]).includes(stepTypeOrId) ? (stepTypeOrId as StepType) : { workflowId, stepId: stepTypeOrId });
  strategies({ registerRecoveryStrategy: (target, strategy) => void calls.push(handler.registerRecoveryStrategy(targetOf(target), strategy)) });
  await Promise.all(calls);
}

const SEED_API = 'https://api.example.com';

/** `value` with every URL of the seed's example API pointed at the local server instead. */
function local<T>(value: T, base: string): T {
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) => (typeof v === 'string' && v.startsWith(SEED_API) ? base + v.slice(SEED_API.length) : v)) as T;
}

const step = (id: string, type: 'http' | 'script', config: Record<string, unknown>, next: string[] = [], extra: Partial<SeedStep> = {}): SeedStep =>
  ({ id, type, config, next, ...extra }) as SeedStep;
const compose = (id: string, steps: SeedStep[], variables: Record<string, unknown> = {}): WorkflowDefinition => ({ id, name: id, version: '1', steps, variables });

/** The JSON block the agent executor writes after `label` in a prompt. */
function jsonAfter(text: string, label: string): unknown {
  const at = text.indexOf(label);
  if (at === -1) return undefined;
  const line = text.slice(at + label.length).replace(/^[^\n]*\n/, '').split('\n')[0] ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * The local stand-in model: answers the seed's agent steps as a capable model would. The Quick
 * Start's executor computes from the fetched data in its context; the coordinator plans one subtask
 * per capability and combines their answers.
 */
function model(request: FakeLlmRequest): FakeLlmDirective {
  const system = request.messages.find((m) => m.role === 'system')?.content ?? '';
  const user = request.messages.find((m) => m.role === 'user')?.content ?? '';
  if (user.includes('SEED-MONITORING')) return { status: 400, body: 'this request is refused' };
  if (user.includes('Analyze and transform the fetched data')) {
    const context = jsonAfter(user, 'Workflow context') as { results?: Record<string, { items?: { value: number }[] }> } | undefined;
    const items = context?.results?.['fetch-data']?.items ?? [];
    const total = items.reduce((sum, item) => sum + item.value, 0);
    return { json: { count: items.length, total, average: total / items.length } };
  }
  if (system.includes('Plan now')) return { json: { subtasks: [{ goal: 'List the topics of the feedback', capabilities: ['nlp'] }, { goal: 'Rate the sentiment of the feedback', capabilities: ['sentiment'] }] } };
  if (system.includes('Your subtasks are done')) return { json: { topics: ['delivery', 'price'], sentiment: 'positive' } };
  if (user.includes('List the topics')) return { text: 'topics: delivery, price' };
  if (user.includes('Rate the sentiment')) return { text: 'sentiment: positive' };
  return { status: 500, body: 'the stand-in has no answer for this' };
}

/** What the local API saw: every POST to /process, the concurrency of /hold, calls per key of /flaky and /rec. */
const seen = { processed: [] as { headers: Record<string, string | string[] | undefined>; body: unknown }[], holding: 0, peak: 0, calls: new Map<string, { name: string; at: number }[]>() };

function api(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://x');
  const json = (status: number, value: unknown): true => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
    return true;
  };
  const call = (): { name: string; at: number }[] => {
    const key = url.searchParams.get('key') ?? '';
    const calls = seen.calls.get(key) ?? [];
    seen.calls.set(key, calls);
    calls.push({ name: url.searchParams.get('name') ?? url.pathname, at: Date.now() });
    return calls;
  };
  switch (url.pathname) {
    case '/quality': {
      const score = url.searchParams.get('score');
      return json(200, score === null ? { rows: 120 } : { quality: Number(score), rows: 120 });
    }
    case '/records':
      return json(200, [{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }, { id: 3, name: 'Linus' }]);
    case '/dataset':
      return json(200, { data: [4, 8, 15, 16, 23, 42], source: 'sensors' });
    case '/process': {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        seen.processed.push({ headers: req.headers, body: JSON.parse(text) as unknown });
        json(200, { accepted: true });
      });
      return true;
    }
    case '/hold':
      seen.holding += 1;
      seen.peak = Math.max(seen.peak, seen.holding);
      setTimeout(() => {
        seen.holding -= 1;
        json(200, { branch: url.searchParams.get('branch') });
      }, 300);
      return true;
    case '/flaky':
      // Fails the first call of each key: a retry succeeds.
      return call().length === 1 ? json(503, { error: 'warming up' }) : json(200, { ok: true });
    case '/rec':
      call();
      return json(url.searchParams.get('fail') === '1' ? 500 : 200, { name: url.searchParams.get('name') });
  }
  return false;
}

describe('seed conformance: the seed README\'s examples, as written, do what it says', () => {
  let cluster: Cluster;
  let server: DataServer;
  let llm: FakeLlm;
  const inNamespace = (namespace: string) => new AgenticFlowClient({ baseUrl: cluster.coordinator.url, apiKey: cluster.coordinator.adminKey, namespace });
  const run = async (client: AgenticFlowClient, definition: WorkflowDefinition, variables: Record<string, unknown> = {}): Promise<ExecutionView> => {
    await client.createWorkflow(definition);
    const id = await client.executeWorkflow(definition.id, variables);
    return client.waitForCompletion(id, { timeoutMs: 60_000 });
  };
  const warnings = async (client: AgenticFlowClient, executionId: string) => (await client.getExecutionLogs(executionId)).items.filter((l) => l.level === 'warn');
  const ran = (execution: ExecutionView) => execution.steps.filter((s) => s.status === 'succeeded').map((s) => s.stepId);

  beforeAll(async () => {
    [server, llm] = await Promise.all([startDataServer(api), startFakeLlm(model)]);
    const agents = { AGENT_BASE_URL: llm.url, OPENAI_API_KEY: 'sk-seed', AGENT_MODEL: 'stand-in' };
    // Breakers stay out of the way: the recovery examples fail on purpose.
    cluster = await startCluster([['http', 'script'], ['agent-task']], { worker: { ...agents, CIRCUIT_FAILURE_THRESHOLD: '1000' } });
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), server?.close(), llm?.close()]);
  });

  it('holds the seed\'s text: every step config and strategy of the seed is in this file, unchanged', () => {
    const seed = readFileSync(new URL('./seed/agentic-flow-v2-README.md', import.meta.url), 'utf8');
    const self = readFileSync(fileURLToPath(import.meta.url), 'utf8');
    const blocks = [...seed.matchAll(/```typescript\n([\s\S]*?)```/g)].map((m) => m[1]!.trimEnd());
    const stepConfigs = blocks.filter((b) => b.startsWith('{\n  id: '));
    const strategies = blocks.filter((b) => b.startsWith('errorHandler.registerRecoveryStrategy('));
    const quickStart = /const workflow: WorkflowDefinition = \{[\s\S]*?\n\};/.exec(blocks[0]!)?.[0];
    const monitoring = blocks.find((b) => b.includes('new WorkflowMonitor(engine)'))!.match(/errorHandler\.registerRecoveryStrategy\([\s\S]*?\n\}\);/g) ?? [];
    expect(stepConfigs.map((b) => /id: '([^']+)'/.exec(b)![1])).toEqual(['ai-analysis', 'parallel-processing', 'data-check', 'batch-processing', 'api-call', 'data-transform']);
    expect(strategies).toHaveLength(5);
    expect(monitoring).toHaveLength(2);
    expect(quickStart).toBeDefined();
    for (const text of [...stepConfigs, ...strategies, ...monitoring, quickStart!]) expect(self.includes(text), `not in this file as the seed writes it:\n${text}`).toBe(true);
  });

  describe('Quick Start', () => {
    it('fetches the data, has an executor agent analyze it, and saves the results', async () => {
      const execution = await run(cluster.client, local(workflow, server.url));
      expect(execution.status).toBe('completed');
      expect(execution.steps.map((s) => [s.stepId, s.status])).toEqual([
        ['fetch-data', 'succeeded'],
        ['process-data', 'succeeded'],
        ['save-results', 'succeeded'],
      ]);
      // The http step's result is the body: the agent saw the items in its context.
      expect(execution.results['fetch-data']).toEqual({ items: [{ id: 1, value: 10 }, { id: 2, value: 20 }, { id: 3, value: 45 }] });
      expect(execution.results['process-data']).toEqual({ count: 3, total: 75, average: 25 });
      expect(execution.steps[1]!.agent).toMatchObject({ provider: 'openai', model: 'stand-in' });
      expect(execution.results['save-results']).toEqual({ saved: true, timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      expect((await cluster.client.getExecutionLogs(execution.id)).items.map((l) => l.message)).toContain('Saving results...');
    });
  });

  describe('Step Type Documentation', () => {
    it('agent task: a coordinator agent with its capabilities plans, runs its subtasks and answers on the named provider', async () => {
      const execution = await run(cluster.client, compose('seed-agent-task', [aiAnalysis]), { feedback: ['Fast delivery', 'Fair price'] });
      expect(execution.status).toBe('completed');
      expect(execution.results['ai-analysis']).toEqual({ topics: ['delivery', 'price'], sentiment: 'positive' });
      const runs = execution.steps.filter((s) => s.stepId === 'ai-analysis');
      expect(runs.map((s) => s.instanceKey)).toEqual(['ai-analysis', 'ai-analysis~sub/0', 'ai-analysis~sub/1', 'ai-analysis~syn']);
      expect(runs.every((s) => s.agent?.provider === 'openai')).toBe(true);
      const plan = llm.requests.find((r) => r.messages.some((m) => m.role === 'system' && m.content.includes('Plan now')))!;
      const prompt = plan.messages.map((m) => ('content' in m ? m.content : '')).join('\n');
      expect(prompt).toContain('Analyze customer feedback');
      expect(prompt).toContain('- nlp: a skill');
      expect(prompt).toContain('- sentiment: a skill');
      expect(prompt).toContain('Fast delivery');
    });

    it('parallel: runs its three branches at once, never more than maxConcurrency, and joins their outputs', async () => {
      seen.peak = 0;
      const hold = (id: string) => step(id, 'http', { url: `${server.url}/hold?branch=${id}` });
      const execution = await run(cluster.client, compose('seed-parallel', [parallelProcessing, hold('process-a'), hold('process-b'), hold('process-c')]));
      expect(execution.status).toBe('completed');
      expect(seen.peak).toBe(3);
      expect(execution.results['parallel-processing']).toEqual({ 'process-a': { branch: 'process-a' }, 'process-b': { branch: 'process-b' }, 'process-c': { branch: 'process-c' } });
    });

    describe('condition: branches on the quality of the data an http step fetched', () => {
      const definition = compose('seed-condition', [
        step('data-fetch', 'http', { url: `{{ variables.api }}/quality?{{ variables.query }}` }, ['data-check']),
        dataCheck,
        step('high-quality-processing', 'script', { script: 'return "processed as is";' }),
        step('data-cleaning', 'script', { script: 'return "cleaned";' }),
      ]);
      const check = async (query: string) => {
        const execution = await run(cluster.client, definition, { api: server.url, query });
        expect(execution.status).toBe('completed');
        return execution;
      };

      it('quality 0.93 takes the high-quality branch, silently', async () => {
        const execution = await check('score=0.93');
        expect(execution.results['data-check']).toBe(true);
        expect(ran(execution)).toEqual(['data-fetch', 'data-check', 'high-quality-processing']);
        expect(execution.steps.find((s) => s.stepId === 'data-cleaning')?.status).toBe('skipped');
        expect(await warnings(cluster.client, execution.id)).toEqual([]);
      });

      it('quality 0.5 takes the cleaning branch', async () => {
        const execution = await check('score=0.5');
        expect(execution.results['data-check']).toBe(false);
        expect(ran(execution)).toEqual(['data-fetch', 'data-check', 'data-cleaning']);
        expect(await warnings(cluster.client, execution.id)).toEqual([]);
      });

      it('data without a quality goes to cleaning as JavaScript says, with one warning naming what is missing and what is there', async () => {
        const execution = await check('');
        expect(ran(execution)).toEqual(['data-fetch', 'data-check', 'data-cleaning']);
        expect((await warnings(cluster.client, execution.id)).map((l) => [l.stepId, l.message])).toEqual([
          [
            'data-check',
            'step "data-check": condition `results["data-fetch"].quality > 0.8` read undefined and went on with it: results["data-fetch"].quality is undefined: results["data-fetch"] has no "quality" (its keys: rows)',
          ],
        ]);
      });
    });

    describe('loop: processes batches while batchIndex < totalBatches', () => {
      const definition = compose(
        'seed-loop',
        [
          batchProcessing,
          step('process-single-batch', 'script', {
            script: 'const batch = variables.batchIndex;\nsetVariable("batchIndex", batch + 1);\nif (batch === variables.failAt) return { batch, error: `batch ${batch} is corrupt` };\nreturn { batch, processed: true };',
          }),
        ],
        { batchIndex: 0, totalBatches: 3 },
      );

      it('runs one iteration per batch and stops when batchIndex reaches totalBatches; a break condition that finds no error is silent', async () => {
        const execution = await run(cluster.client, definition);
        expect(execution.status).toBe('completed');
        expect(execution.results['batch-processing']).toEqual([0, 1, 2].map((batch) => ({ batch, processed: true })));
        expect(execution.variables).toMatchObject({ batchIndex: 3, totalBatches: 3 });
        expect(execution.steps.filter((s) => s.stepId === 'process-single-batch').map((s) => s.instanceKey)).toEqual([0, 1, 2].map((i) => `batch-processing#${i}/process-single-batch`));
        expect(await warnings(cluster.client, execution.id)).toEqual([]);
      });

      it('exits early when a batch reports an error (breakCondition)', async () => {
        const execution = await run(cluster.client, definition, { failAt: 1 });
        expect(execution.status).toBe('completed');
        expect(execution.results['batch-processing']).toEqual([
          { batch: 0, processed: true },
          { batch: 1, error: 'batch 1 is corrupt' },
        ]);
        expect(execution.variables['batchIndex']).toBe(2);
      });
    });

    it('http: POSTs the fetched array and Bearer <token>, as JSON', async () => {
      seen.processed.length = 0;
      const execution = await run(
        cluster.client,
        compose('seed-http', [step('data-fetch', 'http', { url: `${server.url}/dataset` }, ['api-call']), local(apiCall, server.url)]),
        { token: 'seed-token-42' },
      );
      expect(execution.status).toBe('completed');
      expect(seen.processed).toEqual([{ headers: expect.objectContaining({ authorization: 'Bearer seed-token-42', 'content-type': 'application/json' }), body: { data: [4, 8, 15, 16, 23, 42] } }]);
      expect(execution.results['api-call']).toEqual({ accepted: true });
      expect(execution.steps.find((s) => s.stepId === 'api-call')?.response).toMatchObject({ status: 200 });
    });

    it('script: transforms the fetched array with lodash and uuid allowed, logs "Transformed N items" and returns the count and its time', async () => {
      const execution = await run(cluster.client, compose('seed-script', [step('data-fetch', 'http', { url: `${server.url}/records` }, ['data-transform']), dataTransform]), { transformConfig: { mode: 'mark' } });
      expect(execution.status).toBe('completed');
      const output = execution.results['data-transform'] as { data: Record<string, unknown>[]; count: number; processingTime: number };
      expect(output.count).toBe(3);
      expect(output.data).toEqual(['Ada', 'Grace', 'Linus'].map((name, i) => ({ id: i + 1, name, processed: true, timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })));
      expect(output.processingTime).toBeGreaterThanOrEqual(0);
      expect(output.processingTime).toBeLessThan(30_000);
      expect((await cluster.client.getExecutionLogs(execution.id)).items).toContainEqual(expect.objectContaining({ stepId: 'data-transform', level: 'info', message: 'Transformed 3 items' }));
    });
  });

  describe('Error Handling: recovery strategies, each in a namespace of its own (a strategy for a step type applies to the whole namespace)', () => {
    const namespaces = ['seed-monitoring', 'seed-retry', 'seed-skip', 'seed-alternative', 'seed-rollback', 'seed-escalate'];
    beforeAll(async () => {
      for (const name of namespaces) await cluster.client.access.createNamespace(name);
    });
    const callsOf = (executionId: string) => seen.calls.get(executionId) ?? [];
    const openError = async (client: AgenticFlowClient, executionId: string) => {
      await expect.poll(async () => (await client.errorHandler.listErrors({ executionId, status: 'open' })).items.length, { timeout: 20_000 }).toBe(1);
      return (await client.errorHandler.listErrors({ executionId, status: 'open' })).items[0]!;
    };

    it('retry: an http step that fails is run again after the backoff, and succeeds', async () => {
      const client = inNamespace('seed-retry');
      const definition = compose('seed-retry', [step('call', 'http', { url: `${server.url}/flaky?key={{ execution.id }}` })]);
      await client.createWorkflow(definition);
      await register(client.errorHandler, retryStrategy, definition.id);
      const execution = await run(client, definition);
      expect(execution.status).toBe('completed');
      const calls = callsOf(execution.id);
      expect(calls).toHaveLength(2);
      // retryDelay 2000 with equal jitter: the first retry waits between 1 and 2 s.
      expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
      expect(execution.steps).toEqual([expect.objectContaining({ stepId: 'call', status: 'succeeded', attempt: 1 })]);
      expect((await client.errorHandler.listErrors({ executionId: execution.id })).items).toEqual([]);
    });

    it('skip: the workflow continues without the step', async () => {
      const client = inNamespace('seed-skip');
      const definition = compose('seed-skip', [
        step('optional-step', 'script', { script: 'throw new Error("the optional enrichment is unavailable");' }, ['after']),
        step('after', 'script', { script: 'return { continued: true, optional: results["optional-step"] ?? null };' }),
      ]);
      await client.createWorkflow(definition);
      await register(client.errorHandler, skipStrategy, definition.id);
      const execution = await run(client, definition);
      expect(execution.status).toBe('completed');
      expect(execution.results['after']).toEqual({ continued: true, optional: null });
      expect(execution.steps.find((s) => s.stepId === 'optional-step')).toMatchObject({ status: 'skipped', error: { code: 'SCRIPT_ERROR' } });
    });

    it('alternative: backup-processor runs in place of a failed primary-processor, and its output stands in', async () => {
      const client = inNamespace('seed-alternative');
      // A step runs only in another's place when a definition names it as a recovery step (here the
      // publish step's onError); otherwise a step nothing leads to is an entry step and runs at start.
      const definition = compose('seed-alternative', [
        step('primary-processor', 'script', { script: 'throw new Error("the primary processor is down");' }, ['publish']),
        step('backup-processor', 'script', { script: 'return { processedBy: "backup-processor" };' }),
        step('publish', 'script', { script: 'return { published: results["primary-processor"] };' }, [], { onError: { type: 'alternative', alternativeStep: 'backup-processor' } }),
      ]);
      await client.createWorkflow(definition);
      await register(client.errorHandler, alternativeStrategy, definition.id);
      const execution = await run(client, definition);
      expect(execution.status).toBe('completed');
      expect(execution.results['publish']).toEqual({ published: { processedBy: 'backup-processor' } });
      // The primary's run ends with its alternative's output; its failure is on the record.
      expect(execution.steps.map((s) => [s.instanceKey, s.status])).toEqual([
        ['primary-processor', 'succeeded'],
        ['primary-processor~alt/backup-processor', 'succeeded'],
        ['publish', 'succeeded'],
      ]);
      expect((await client.errorHandler.listErrors({ executionId: execution.id })).items).toEqual([expect.objectContaining({ stepId: 'primary-processor', code: 'SCRIPT_ERROR', strategy: 'alternative' })]);
    });

    it('rollback: when critical-step fails, step3, step2 and step1 run again as compensations, in reverse order, and the execution ends rolled back', async () => {
      const client = inNamespace('seed-rollback');
      const rec = (id: string, next: string[]) => step(id, 'http', { url: `${server.url}/rec?key={{ execution.id }}&name=${id}` }, next);
      const definition = compose('seed-rollback', [rec('step1', ['step2']), rec('step2', ['step3']), rec('step3', ['critical-step']), step('critical-step', 'script', { script: 'throw new Error("the critical step failed");' })]);
      await client.createWorkflow(definition);
      await register(client.errorHandler, rollbackStrategy, definition.id);
      const execution = await run(client, definition);
      expect(execution).toMatchObject({ status: 'failed', error: { code: 'ROLLED_BACK', stepId: 'critical-step' } });
      expect(callsOf(execution.id).map((c) => c.name)).toEqual(['step1', 'step2', 'step3', 'step3', 'step2', 'step1']);
      expect(execution.steps.filter((s) => s.instanceKey.startsWith('critical-step~rb/')).map((s) => [s.stepId, s.status])).toEqual([
        ['step3', 'succeeded'],
        ['step2', 'succeeded'],
        ['step1', 'succeeded'],
      ]);
    });

    it('escalate: the failed step waits for a human, with an alert for admin-notification, and continues with the decision', async () => {
      const client = inNamespace('seed-escalate');
      const definition = compose('seed-escalate', [
        step('manual-approval', 'http', { url: `${server.url}/rec?key={{ execution.id }}&name=manual-approval&fail=1` }, ['after']),
        step('after', 'script', { script: 'return { approval: results["manual-approval"] };' }),
      ]);
      await client.createWorkflow(definition);
      await register(client.errorHandler, escalationStrategy, definition.id);
      const id = await client.executeWorkflow(definition.id);
      const error = await openError(client, id);
      expect(error).toMatchObject({ stepId: 'manual-approval', code: 'HTTP_STATUS', strategy: 'escalate', escalationHandler: 'admin-notification' });
      expect((await client.getExecution(id)).status).toBe('running');
      expect((await client.monitor.getAlerts(50)).find((a) => a.errorId === error.id)).toMatchObject({ type: 'escalation', data: { escalationHandler: 'admin-notification' } });
      await client.errorHandler.resolveError(error.id, { action: 'output', output: { approved: true } });
      const execution = await client.waitForCompletion(id, { timeoutMs: 20_000 });
      expect(execution.status).toBe('completed');
      expect(execution.results['after']).toEqual({ approval: { approved: true } });
    });

    it('monitoring setup: http steps are retried, and an agent task that fails escalates to manual-intervention', async () => {
      const client = inNamespace('seed-monitoring');
      const definition = compose('seed-monitoring', [
        step('fetch', 'http', { url: `${server.url}/flaky?key={{ execution.id }}` }, ['summarize']),
        { id: 'summarize', type: 'agent-task', config: { goal: 'SEED-MONITORING: summarize the fetched data' }, next: ['report'] },
        step('report', 'script', { script: 'return results.summarize;' }),
      ]);
      await client.createWorkflow(definition);
      await register(client.errorHandler, monitoringStrategies, definition.id);
      const id = await client.executeWorkflow(definition.id);
      const error = await openError(client, id);
      expect(callsOf(id)).toHaveLength(2);
      expect(error).toMatchObject({ stepId: 'summarize', stepType: 'agent-task', code: 'AGENT_PROVIDER', strategy: 'escalate', escalationHandler: 'manual-intervention' });
      await client.errorHandler.resolveError(error.id, { action: 'output', output: 'summarized by a human' });
      const execution = await client.waitForCompletion(id, { timeoutMs: 20_000 });
      expect(execution).toMatchObject({ status: 'completed', results: { report: 'summarized by a human' } });
    });
  });
});
