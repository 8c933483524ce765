import {
  AgenticFlowClient,
  AgenticFlowError,
  ExecutionEscalatedError,
  HttpError,
  type DeadLetterSummary,
  type ErrorView,
  type FlowEvent,
  type StreamItem,
} from '@agentic-flow/sdk';
import type { AccessAdmin, ExecutionHandle, WorkflowErrorHandler, WorkflowMonitor } from '@agentic-flow/sdk';
import { check, need, poll, within } from './checks.js';
import type { AnyInResults, Surface } from './surface.js';
import type { Target } from './target.js';
import { basic, escalating, gated } from './workflows.js';

/** What the plan's steps share: the client, the target, and what earlier steps made. */
export interface Context {
  client: AgenticFlowClient;
  baseUrl: string;
  target: Target;
  basicId?: string;
  heard?: Promise<FlowEvent>;
  off?: () => void;
  streamed?: Promise<StreamItem[]>;
  gatedId?: string;
  snapshotId?: string;
  escalatedId?: string;
  errorId?: string;
  deadLetter?: DeadLetterSummary;
  key?: { id: string; key: string };
  run?: ExecutionHandle;
  held?: ExecutionHandle;
}

/** A step of the plan: the public method it calls (or a `check:` between calls), and the call. */
type Step = readonly [name: Surface | `check: ${string}`, run: (c: Context) => Promise<void>];

const wait = (c: Context, id: string) => c.client.waitForCompletion(id, { timeoutMs: 60_000 });
const openError = (c: Context, executionId: string): Promise<ErrorView> =>
  poll(`an open error of ${executionId}`, async () => (await c.client.errorHandler.listErrors({ executionId, status: 'open' })).items[0]);
const deadLetterOf = (c: Context, executionId: string): Promise<DeadLetterSummary> =>
  poll(`a dead letter of ${executionId}`, async () =>
    (await c.client.errorHandler.getDeadLetterQueue({ limit: 500 })).items.find((d) => d.executionId === executionId),
  );
async function rejected(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    // Every failure is an AgenticFlowError; an error answer of the API is its HttpError.
    check(error instanceof AgenticFlowError && error instanceof HttpError, `an HttpError, got ${String(error)}`);
    return error;
  }
  throw new Error('expected the call to be refused');
}

/**
 * Every public method of the SDK, called against a real cluster, in an order where each finds what
 * it needs. One entry per method; add a method's entry where its prerequisites exist.
 */
export const plan = [
  // Workflows
  [
    'client.createWorkflow',
    async (c) => {
      check((await c.client.createWorkflow(basic)).created, 'basic is new');
      // Text (JSON or YAML) is accepted too.
      check((await c.client.createWorkflow(JSON.stringify(gated))).created, 'gated is new');
      check((await c.client.createWorkflow(escalating)).created, 'escalating is new');
      check(!(await c.client.createWorkflow(basic)).created, 'the same definition again is a no-op');
    },
  ],
  [
    'client.getWorkflow',
    async (c) => {
      check((await c.client.getWorkflow(basic.id)).name === basic.name, 'the latest version');
      check((await c.client.getWorkflow(basic.id, { version: '1.0.0' })).steps.length === 2, 'a given version');
    },
  ],
  [
    'client.listWorkflows',
    async (c) => {
      const ids = (await c.client.listWorkflows({ limit: 10 })).items.map((w) => w.id).sort();
      check(JSON.stringify(ids) === JSON.stringify([basic.id, escalating.id, gated.id].sort()), `the three workflows, got ${ids.join(',')}`);
    },
  ],

  // One execution, followed three ways
  [
    'client.on',
    async (c) => {
      let opened!: () => void;
      const open = new Promise<void>((resolve) => (opened = resolve));
      c.heard = new Promise<FlowEvent>((resolve, reject) => {
        c.off = c.client.on('workflow:completed', resolve, { filter: { workflowId: basic.id }, onOpen: opened, onError: reject });
      });
      await within(open, 10_000, 'on() to connect');
    },
  ],
  [
    'client.events',
    async (c) => {
      let opened!: () => void;
      const open = new Promise<void>((resolve) => (opened = resolve));
      c.streamed = (async () => {
        const items: StreamItem[] = [];
        for await (const item of c.client.events({ workflowId: basic.id }, { onOpen: opened })) {
          items.push(item);
          if (item.type === 'workflow:completed') break;
        }
        return items;
      })();
      await within(open, 10_000, 'events() to connect');
    },
  ],
  [
    'client.executeWorkflow',
    async (c) => {
      c.basicId = await c.client.executeWorkflow(basic.id, { target: c.target.url }, { version: '1.0.0' });
    },
  ],
  [
    'client.waitForCompletion',
    async (c) => {
      const settled: string[] = [];
      const execution = await c.client.waitForCompletion(need(c.basicId, 'basicId'), { timeoutMs: 60_000, onStep: (step) => settled.push(step.stepId) });
      check(execution.status === 'completed', `completed, got ${execution.status}`);
      check(settled.join() === 'fetch,sum', `onStep heard fetch, sum; got ${settled.join()}`);
      check(JSON.stringify(execution.results['sum']) === '{"sum":3,"items":3}', `the sum, got ${JSON.stringify(execution.results['sum'])}`);
    },
  ],
  [
    'check: on() and events() heard the completion',
    async (c) => {
      const event = await within(need(c.heard, 'heard'), 10_000, 'on() to hear workflow:completed');
      need(c.off, 'off')();
      check(event.executionId === c.basicId, 'on() heard the execution');
      const types = (await within(need(c.streamed, 'streamed'), 10_000, 'events() to reach workflow:completed')).map((item) => item.type);
      check(types[0] === 'workflow:started' && types.includes('step:completed'), `events() in order, got ${types.join()}`);
    },
  ],
  [
    'client.getExecution',
    async (c) => {
      const id = need(c.basicId, 'basicId');
      const full = await c.client.getExecution(id);
      check(
        full.steps.every((step) => step.output !== undefined),
        'runs with outputs',
      );
      const overview = await c.client.getExecution(id, { outputs: false });
      check(overview.status === 'completed' && !('results' in overview), 'the overview, without results');
    },
  ],
  [
    'client.stepRuns',
    async (c) => {
      const id = need(c.basicId, 'basicId');
      const paged: string[] = [];
      for await (const run of c.client.stepRuns(id, { pageSize: 1 })) paged.push(run.id);
      const all = (await c.client.getExecution(id, { outputs: false })).steps.map((step) => step.id);
      check(paged.length > 1 && JSON.stringify(paged) === JSON.stringify(all), `every run once, one page at a time, got ${paged.length} of ${all.length}`);
      const first = await c.client.getExecution(id, { outputs: false, stepsLimit: 1 });
      check(first.steps.length === 1 && first.nextStepsCursor !== null, 'a first page of one run, and a cursor to the next');
    },
  ],
  [
    'client.getStepRun',
    async (c) => {
      const id = need(c.basicId, 'basicId');
      const fetch = (await c.client.getExecution(id, { outputs: false })).steps.find((step) => step.stepId === 'fetch');
      const run = await c.client.getStepRun(id, need(fetch, 'the fetch run').id);
      check(run.response?.status === 200, `the fetch run's response, got ${JSON.stringify(run.response)}`);
    },
  ],
  [
    'client.getExecutionLogs',
    async (c) => {
      const { items } = await c.client.getExecutionLogs(need(c.basicId, 'basicId'));
      check(
        items.some((line) => line.stepId === 'sum' && line.message.includes('summing')),
        'the script logged',
      );
    },
  ],
  [
    'client.getTranscripts',
    async (c) => {
      check((await c.client.getTranscripts(need(c.basicId, 'basicId'))).items.length === 0, 'no agent steps, no transcripts');
    },
  ],
  [
    'client.listExecutions',
    async (c) => {
      const page = await c.client.listExecutions({ workflowId: basic.id, status: 'completed', limit: 5 });
      check(page.items.length === 1 && page.items[0]?.id === c.basicId, 'the one completed execution');
    },
  ],
  [
    'client.start',
    async (c) => {
      c.run = await c.client.start(basic, { target: c.target.url });
    },
  ],
  [
    'handle.result',
    async (c) => {
      const results = await need(c.run, 'run').result({ timeoutMs: 60_000 });
      check(JSON.stringify(results['sum']) === '{"sum":3,"items":3}', `the sum, got ${JSON.stringify(results['sum'])}`);
    },
  ],
  [
    'client.getHandle',
    async (c) => {
      const run = need(c.run, 'run');
      const again = c.client.getHandle(run.id);
      check((await again.describe()).state === 'completed', 'the same execution, completed');
    },
  ],
  [
    'handle.logs',
    async (c) => {
      const { items, nextCursor } = await need(c.run, 'run').logs();
      check(items.some((line) => line.message.includes('summing')) && nextCursor === null, 'the script logged');
    },
  ],

  // Lifecycle and snapshots, on an execution held at its first step
  [
    'client.createSnapshot',
    async (c) => {
      c.gatedId = await c.client.executeWorkflow(gated.id, { target: c.target.url });
      await poll('the first /hold', () => (c.target.holds() >= 1 ? true : undefined));
      const snapshot = await c.client.createSnapshot(c.gatedId);
      check(snapshot.kind === 'manual' && snapshot.status === 'running', `a manual snapshot of a running execution, got ${JSON.stringify(snapshot)}`);
      c.snapshotId = snapshot.id;
    },
  ],
  [
    'client.enableAutoSnapshots',
    async (c) => {
      const result = await c.client.enableAutoSnapshots(need(c.gatedId, 'gatedId'), 60_000);
      check(result.intervalMs === 60_000, 'the interval');
    },
  ],
  [
    'client.pauseWorkflow',
    async (c) => {
      check((await c.client.pauseWorkflow(need(c.gatedId, 'gatedId'))).status === 'paused', 'paused');
    },
  ],
  [
    'client.resumeWorkflow',
    async (c) => {
      const id = need(c.gatedId, 'gatedId');
      check((await c.client.resumeWorkflow(id)).status === 'running', 'running again');
      c.target.release();
      check((await wait(c, id)).status === 'completed', 'completed once released');
    },
  ],
  [
    'client.restoreSnapshot',
    async (c) => {
      const id = need(c.gatedId, 'gatedId');
      check((await c.client.restoreSnapshot(id, need(c.snapshotId, 'snapshotId'))).status === 'running', 'running from the snapshot');
      // The held step was in flight in the snapshot: it runs again.
      await poll('the second /hold', () => (c.target.holds() >= 2 ? true : undefined));
      c.target.release();
      check((await wait(c, id)).status === 'completed', 'completed again');
    },
  ],
  [
    'client.listSnapshots',
    async (c) => {
      const kinds = (await c.client.listSnapshots(need(c.gatedId, 'gatedId'))).items.map((s) => s.kind).sort();
      check(kinds.join() === 'manual,restore', `the manual snapshot and the state the restore replaced, got ${kinds.join()}`);
    },
  ],
  [
    'client.cancelExecution',
    async (c) => {
      const id = await c.client.executeWorkflow(gated.id, { target: c.target.url });
      await poll('the third /hold', () => (c.target.holds() >= 3 ? true : undefined));
      check((await c.client.cancelExecution(id)).status === 'cancelled', 'cancelled');
      c.target.release();
    },
  ],
  [
    'handle.describe',
    async (c) => {
      c.held = await c.client.start(gated, { target: c.target.url });
      await poll('the fourth /hold', () => (c.target.holds() >= 4 ? true : undefined));
      const description = await c.held.describe();
      check(description.status === 'running' && description.state === 'running', `running, got ${description.state}`);
    },
  ],
  [
    'handle.pause',
    async (c) => {
      check((await need(c.held, 'held').pause()).status === 'paused', 'paused');
    },
  ],
  [
    'handle.resume',
    async (c) => {
      check((await need(c.held, 'held').resume()).status === 'running', 'running again');
    },
  ],
  [
    'handle.snapshots',
    async (c) => {
      const page = await need(c.held, 'held').snapshots();
      check(Array.isArray(page.items) && page.nextCursor === null, 'a whole list');
    },
  ],
  [
    'handle.cancel',
    async (c) => {
      const held = need(c.held, 'held');
      check((await held.cancel()).status === 'cancelled', 'cancelled');
      c.target.release();
      const error = await held.result({ timeoutMs: 30_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      check(
        error instanceof AgenticFlowError && error.code === 'EXECUTION_CANCELLED',
        `result() of a cancelled execution throws EXECUTION_CANCELLED, got ${String(error)}`,
      );
    },
  ],

  // Recovery: an escalated step, the dead letter queue, circuit breakers
  [
    'errorHandler.registerRecoveryStrategy',
    async (c) => {
      const registered = await c.client.errorHandler.registerRecoveryStrategy(
        { workflowId: escalating.id, stepId: 'approve' },
        { type: 'escalate', escalationHandler: 'outside' },
      );
      check(registered.strategy.type === 'escalate', 'registered');
    },
  ],
  [
    'errorHandler.listRecoveryStrategies',
    async (c) => {
      check(
        (await c.client.errorHandler.listRecoveryStrategies()).items.some((s) => s.workflowId === escalating.id && s.target === 'approve'),
        'listed',
      );
    },
  ],
  [
    'errorHandler.setCircuitBreakerConfig',
    async (c) => {
      // Well above the failures this plan causes, so no breaker opens on the target.
      check((await c.client.errorHandler.setCircuitBreakerConfig({ failureThreshold: 50 })).failureThreshold === 50, 'the threshold');
    },
  ],
  [
    'errorHandler.listErrors',
    async (c) => {
      c.target.failing = true;
      c.escalatedId = await c.client.executeWorkflow(escalating.id, { target: c.target.url });
      const error = await openError(c, c.escalatedId);
      check(error.stepId === 'approve' && error.strategy === 'escalate', `an escalated error, got ${JSON.stringify(error)}`);
      c.errorId = error.id;
    },
  ],
  [
    'errorHandler.getError',
    async (c) => {
      check((await c.client.errorHandler.getError(need(c.errorId, 'errorId'))).status === 'open', 'open');
    },
  ],
  [
    'monitor.getAlerts',
    async (c) => {
      await poll('the escalation alert', async () =>
        (await c.client.monitor.getAlerts({ limit: 100 })).items.find((a) => a.type === 'escalation' && a.executionId === c.escalatedId),
      );
      // Waiting on it without onEscalation ends at once, naming the open error.
      const waited = await c.client.waitForCompletion(need(c.escalatedId, 'escalatedId'), { timeoutMs: 30_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      check(
        waited instanceof ExecutionEscalatedError && waited.escalations[0]?.errorId === c.errorId,
        `ExecutionEscalatedError with the open error, got ${String(waited)}`,
      );
    },
  ],
  [
    'errorHandler.getDeadLetterQueue',
    async (c) => {
      c.deadLetter = await deadLetterOf(c, need(c.escalatedId, 'escalatedId'));
    },
  ],
  [
    'errorHandler.getDeadLetterEntry',
    async (c) => {
      const letter = need(c.deadLetter, 'deadLetter');
      const entry = await c.client.errorHandler.getDeadLetterEntry(letter.stepType, letter.jobId);
      check(entry.workflowId === escalating.id && entry.stepId === 'approve', 'the escalated step’s job');
    },
  ],
  [
    'errorHandler.retryDeadLetter',
    async (c) => {
      const letter = need(c.deadLetter, 'deadLetter');
      c.target.failing = false;
      check((await c.client.errorHandler.retryDeadLetter(letter.stepType, letter.jobId)).outcome === 'resolved', 'the escalation resolved by the retry');
      check((await wait(c, letter.executionId)).status === 'completed', 'completed after the retry');
    },
  ],
  [
    'errorHandler.resolveError',
    async (c) => {
      c.target.failing = true;
      c.escalatedId = await c.client.executeWorkflow(escalating.id, { target: c.target.url });
      const error = await openError(c, c.escalatedId);
      c.target.failing = false;
      await c.client.errorHandler.resolveError(error.id, { action: 'output', output: { approved: true } });
      const execution = await wait(c, c.escalatedId);
      check(execution.status === 'completed' && JSON.stringify(execution.results['approve']) === '{"approved":true}', 'completed with the output given');
    },
  ],
  [
    'errorHandler.discardDeadLetter',
    async (c) => {
      const letter = await deadLetterOf(c, need(c.escalatedId, 'escalatedId'));
      await c.client.errorHandler.discardDeadLetter(letter.stepType, letter.jobId);
      const error = await rejected(c.client.errorHandler.getDeadLetterEntry(letter.stepType, letter.jobId));
      check(error.status === 404 && error.code === 'DEAD_LETTER_NOT_FOUND', `gone, got ${error.status} ${error.code}`);
    },
  ],
  [
    'errorHandler.removeRecoveryStrategy',
    async (c) => {
      await c.client.errorHandler.removeRecoveryStrategy({ workflowId: escalating.id, stepId: 'approve' });
      check(!(await c.client.errorHandler.listRecoveryStrategies()).items.some((s) => s.target === 'approve'), 'removed');
    },
  ],
  [
    'errorHandler.getErrorStatistics',
    async (c) => {
      const stats = await c.client.errorHandler.getErrorStatistics({ from: new Date(Date.now() - 3_600_000) });
      check(stats.total >= 2 && (stats.byStrategy['escalate'] ?? 0) >= 2, `the two escalations, got ${JSON.stringify(stats)}`);
    },
  ],
  [
    'errorHandler.getCircuitBreakers',
    async (c) => {
      check((await c.client.errorHandler.getCircuitBreakers()).config.failureThreshold === 50, 'the configured threshold');
    },
  ],
  [
    'errorHandler.resetCircuitBreaker',
    async (c) => {
      const breakers = await c.client.errorHandler.getCircuitBreakers();
      await c.client.errorHandler.resetCircuitBreaker(breakers.items[0]?.key ?? new URL(c.target.url).host);
    },
  ],

  // Monitoring
  [
    'monitor.getWorkflowMetrics',
    async (c) => {
      const metrics = await c.client.monitor.getWorkflowMetrics({ workflowId: basic.id });
      check(metrics.totalExecutions >= 1, `the basic execution, got ${JSON.stringify(metrics)}`);
    },
  ],
  [
    'monitor.getStepMetrics',
    async (c) => {
      check(Array.isArray((await c.client.monitor.getStepMetrics({ stepType: 'http' })).items), 'items');
    },
  ],
  [
    'monitor.getHealthStatus',
    async (c) => {
      const health = await c.client.monitor.getHealthStatus();
      check(
        health.components.postgres.reachable && health.components.redis.reachable,
        `PostgreSQL and Redis reachable, got ${JSON.stringify(health.components)}`,
      );
    },
  ],
  [
    'monitor.getSettings',
    async (c) => {
      check((await c.client.monitor.getSettings()).intervalMs > 0, 'an interval');
    },
  ],
  [
    'monitor.updateThresholds',
    async (c) => {
      check((await c.client.monitor.updateThresholds({ maxErrorRate: 0.5 })).thresholds.maxErrorRate === 0.5, 'the threshold');
    },
  ],
  [
    'monitor.startMonitoring',
    async (c) => {
      check((await c.client.monitor.startMonitoring(30_000)).intervalMs === 30_000, 'the interval');
    },
  ],
  [
    'monitor.putAlertSink',
    async (c) => {
      const sink = await c.client.monitor.putAlertSink('outside', { url: `${c.target.url}/sink`, events: ['alert:created'] });
      check(sink.name === 'outside', 'the sink');
    },
  ],
  [
    'monitor.listAlertSinks',
    async (c) => {
      check(
        (await c.client.monitor.listAlertSinks()).items.some((s) => s.name === 'outside'),
        'listed',
      );
    },
  ],
  [
    'monitor.getAlertSink',
    async (c) => {
      check((await c.client.monitor.getAlertSink('outside')).url === `${c.target.url}/sink`, 'the url');
    },
  ],
  [
    'monitor.getAlertDeliveries',
    async (c) => {
      check(Array.isArray((await c.client.monitor.getAlertDeliveries('outside', { limit: 10 })).items), 'a list');
    },
  ],
  [
    'monitor.deleteAlertSink',
    async (c) => {
      await c.client.monitor.deleteAlertSink('outside');
      check((await rejected(c.client.monitor.getAlertSink('outside'))).status === 404, 'gone');
    },
  ],

  // Access control
  [
    'access.createNamespace',
    async (c) => {
      check((await c.client.access.createNamespace('outside-project')).created, 'created');
    },
  ],
  [
    'access.listNamespaces',
    async (c) => {
      check(
        (await c.client.access.listNamespaces()).items.some((n) => n.name === 'outside-project'),
        'listed',
      );
    },
  ],
  [
    'access.createApiKey',
    async (c) => {
      const created = await c.client.access.createApiKey({ name: 'outside-viewer', role: 'viewer', expiresInDays: 1 });
      c.key = { id: created.id, key: created.key };
      const viewer = new AgenticFlowClient({ baseUrl: c.baseUrl, apiKey: created.key });
      check((await viewer.listWorkflows()).items.length === 3, 'a viewer reads');
      check((await rejected(viewer.createWorkflow({ ...basic, version: '2.0.0' }))).status === 403, 'a viewer may not register');
    },
  ],
  [
    'access.listApiKeys',
    async (c) => {
      check(
        (await c.client.access.listApiKeys()).items.some((k) => k.id === c.key?.id),
        'listed',
      );
    },
  ],
  [
    'access.revokeApiKey',
    async (c) => {
      const key = need(c.key, 'key');
      await c.client.access.revokeApiKey(key.id);
      const viewer = new AgenticFlowClient({ baseUrl: c.baseUrl, apiKey: key.key });
      check((await rejected(viewer.listWorkflows())).status === 401, 'a revoked key is refused');
    },
  ],
  [
    'access.getAuditLog',
    async (c) => {
      check((await c.client.access.getAuditLog({ limit: 5, action: 'api-key.revoke' })).items.length === 1, 'the revocation');
    },
  ],
  [
    'access.verifyAuditLog',
    async (c) => {
      const verification = await c.client.access.verifyAuditLog();
      check(verification.ok && verification.checked > 0, `an intact chain, got ${JSON.stringify(verification)}`);
    },
  ],

  [
    'check: a refusal is an AgenticFlowError with its code',
    async (c) => {
      const error = await rejected(c.client.getWorkflow('no-such-workflow'));
      check(error.status === 404 && error.code === 'WORKFLOW_NOT_FOUND', `404 WORKFLOW_NOT_FOUND, got ${error.status} ${error.code}`);
    },
  ],
] as const satisfies readonly Step[];

type Called = (typeof plan)[number][0];
type Missing = Exclude<Surface, Called>;
/** Compiles only when the plan calls every public method; the error names the ones it does not. */
export const callsEveryMethod: [Missing] extends [never] ? true : `not called: ${Missing}` = true;

type AnyResults =
  | AnyInResults<'client', AgenticFlowClient>
  | AnyInResults<'handle', ExecutionHandle>
  | AnyInResults<'errorHandler', WorkflowErrorHandler>
  | AnyInResults<'monitor', WorkflowMonitor>
  | AnyInResults<'access', AccessAdmin>;
/** Compiles only when no method's result has an `any` in it (4 levels deep); the error names where. */
export const resultsFullyTyped: [AnyResults] extends [never] ? true : `any at: ${AnyResults}` = true;

/** Every method the plan calls, for the program's report. */
export const calledMethods: readonly string[] = plan.map(([name]) => name).filter((name) => !name.startsWith('check: '));
