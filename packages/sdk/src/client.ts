import type {
  CreateWorkflowResult,
  EventFilter,
  ExecuteWorkflowResult,
  ExecutionOverview,
  ExecutionSummary,
  ExecutionView,
  FlowEvent,
  LifecycleResult,
  ListExecutionsFilter,
  LogEntryView,
  Page,
  SnapshotView,
  StepRunSummary,
  StepRunView,
  TranscriptView,
  WorkflowDefinition,
  WorkflowSummary,
} from '@agentic-flow/spec';
import { AccessAdmin } from './access.js';
import { callOptionsOf, checkTimeout, withoutCallOptions, type CallOptions } from './call-options.js';
import type { ResultsOf, WorkflowDefinitionLike } from './define-workflow.js';
import { WorkflowErrorHandler } from './error-handler.js';
import { ExecutionHandle } from './execution-handle.js';
import { waitForExecution, type WaitOptions } from './execution-waiter.js';
import { streamEvents, type EventHandler, type EventStreamOptions, type EventSubscription, type StreamItem } from './event-stream.js';
import { pageOf } from './list-page.js';
import { stepRunsOf, wholeExecution } from './step-pages.js';
import { WorkflowMonitor } from './monitor.js';
import { anObject, fields } from './response-shape.js';
import { retryPolicy, type RetryOptions } from './retry-policy.js';
import { Transport, enc, query } from './transport.js';

export interface AgenticFlowClientOptions {
  /** The coordinator's address, e.g. `http://localhost:3000`: an http(s) URL, else a TypeError here. */
  baseUrl: string;
  /** An API key (`afk_…`), sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** The namespace to act in; default: the key's first namespace (`default` for a key for every namespace). */
  namespace?: string;
  /** Sent with every request (tracing, a proxy's own credentials). */
  headers?: Record<string, string>;
  /** A call's time limit, its retries included, unless the call says otherwise; default 30 s. */
  timeoutMs?: number;
  /**
   * Retries of calls that failed for a reason that may pass: connection errors and 502/503/504 for
   * calls that are safe to repeat, 429 (after its `Retry-After`) for all; exponential backoff with
   * jitter. Default `{ attempts: 5, initialDelayMs: 250, maxDelayMs: 8000 }`; `false`: never.
   */
  retry?: RetryOptions | false;
  fetch?: typeof globalThis.fetch;
}

export interface GetExecutionOptions extends CallOptions {
  /**
   * With each run's output and the `results` map (default). `false` reads the overview that
   * polling uses: status, variables, usage, escalations and runs without outputs.
   */
  outputs?: boolean;
  /** Step runs in the answer: 1–1000, default 1000 (so an execution of up to 1000 runs comes whole). */
  stepsLimit?: number;
  /** A previous answer's `nextStepsCursor`: the runs after that page. */
  stepsCursor?: string;
}

/** Options of {@link AgenticFlowClient.stepRuns}. */
export interface StepRunsOptions extends CallOptions {
  /** Runs read per request (1–1000, default 1000). */
  pageSize?: number;
}

export interface StartOptions extends CallOptions {
  /** The version to run; default the latest registered (a definition passed to `start` runs its own version). */
  version?: string;
  /** Tokens the execution's agent steps may use in total; overrides the definition's `tokenBudget`. */
  tokenBudget?: number;
  /**
   * The start's `Idempotency-Key`; default a fresh one per call, reused by the call's own retries.
   * Give your own (≤ 200 printable ASCII characters) to make a start you may repeat — after a
   * crash of your process, say — happen once: the same key within 24 hours answers the first
   * start's execution. The same key with different variables is a 409 `IDEMPOTENCY_CONFLICT`.
   */
  idempotencyKey?: string;
}

/**
 * The Agentic Flow API over HTTP, with the names of the engine's API reference. Every method takes
 * an options object last with `signal` and `timeoutMs`; every list resolves with `{ items, nextCursor }`;
 * every failure is an `AgenticFlowError`.
 *
 * @example
 * const client = new AgenticFlowClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.AF_API_KEY });
 * await client.createWorkflow(workflow);
 * const run = await client.start(workflow.id, { apiUrl: 'https://api.example.com' });
 * const results = await run.result();
 */
export class AgenticFlowClient {
  private readonly transport: Transport;
  /** `WorkflowErrorHandler`: recovery strategies, errors, the dead letter queue, circuit breakers. */
  readonly errorHandler: WorkflowErrorHandler;
  /** `WorkflowMonitor`: metrics, health, thresholds, alerts, alert sinks. */
  readonly monitor: WorkflowMonitor;
  /** API keys, namespaces and the audit log (admin keys). */
  readonly access: AccessAdmin;

  constructor(options: AgenticFlowClientOptions) {
    checkBaseUrl(options.baseUrl);
    checkTimeout(options.timeoutMs, 'timeoutMs');
    const headers: Record<string, string> = { ...options.headers };
    if (options.apiKey !== undefined) headers['authorization'] = `Bearer ${options.apiKey}`;
    if (options.namespace !== undefined) headers['af-namespace'] = options.namespace;
    this.transport = new Transport({
      baseUrl: options.baseUrl,
      headers,
      timeoutMs: options.timeoutMs ?? 30_000,
      retry: retryPolicy(options.retry),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.access = new AccessAdmin(this.transport);
    this.errorHandler = new WorkflowErrorHandler(this.transport);
    this.monitor = new WorkflowMonitor(this.transport);
  }

  /**
   * Registers a definition (an object, one from `defineWorkflow`, or JSON/YAML text). The same id,
   * version and content again is a no-op (`created: false`), so it is retried like a read.
   */
  createWorkflow(definition: WorkflowDefinitionLike | string, options?: CallOptions): Promise<CreateWorkflowResult> {
    return this.transport.request({
      method: 'POST',
      path: '/v1/workflows',
      body: definition,
      ...(typeof definition === 'string' ? { contentType: 'application/yaml' } : {}),
      idempotent: true,
      expect: fields({ id: 'string', version: 'string', created: 'boolean' }),
      call: callOptionsOf(options),
    });
  }

  /** The latest version of a workflow, or `{ version }`. */
  getWorkflow(workflowId: string, options?: { version?: string } & CallOptions): Promise<WorkflowDefinition & { namespace: string; createdAt: string }>;
  /** @deprecated Pass `{ version }`: one options object per call. Kept for one release. */
  getWorkflow(workflowId: string, version: string | undefined, options?: CallOptions): Promise<WorkflowDefinition & { namespace: string; createdAt: string }>;
  getWorkflow(
    workflowId: string,
    versionOrOptions?: string | ({ version?: string } & CallOptions),
    legacyCall?: CallOptions,
  ): Promise<WorkflowDefinition & { namespace: string; createdAt: string }> {
    const options =
      typeof versionOrOptions === 'object' ? versionOrOptions : { ...legacyCall, ...(versionOrOptions === undefined ? {} : { version: versionOrOptions }) };
    const path = options.version === undefined ? `/v1/workflows/${enc(workflowId)}` : `/v1/workflows/${enc(workflowId)}/versions/${enc(options.version)}`;
    return this.transport.request({ method: 'GET', path, expect: fields({ id: 'string', version: 'string', steps: 'array' }), call: callOptionsOf(options) });
  }

  /** The namespace's workflows (latest version of each), newest first; pass `nextCursor` as `cursor` for the next page. */
  listWorkflows(options: { limit?: number; cursor?: string } & CallOptions = {}): Promise<Page<WorkflowSummary>> {
    return pageOf(this.transport, `/v1/workflows${query(withoutCallOptions(options))}`, options);
  }

  /**
   * Starts an execution and returns its id. Variables are merged over the definition's defaults.
   * Safe to retry: the call carries an `Idempotency-Key` (fresh per call, the same across its own
   * retries), so a start whose answer was lost is answered, not repeated.
   */
  async executeWorkflow(workflowId: string, variables: Record<string, unknown> = {}, options: StartOptions = {}): Promise<string> {
    const body = {
      variables,
      ...(options.version === undefined ? {} : { version: options.version }),
      ...(options.tokenBudget === undefined ? {} : { tokenBudget: options.tokenBudget }),
    };
    const result = await this.transport.request<ExecuteWorkflowResult>({
      method: 'POST',
      path: `/v1/workflows/${enc(workflowId)}/executions`,
      body,
      headers: { 'idempotency-key': options.idempotencyKey ?? newIdempotencyKey() },
      idempotent: true,
      expect: fields({ executionId: 'string', status: 'string' }),
      call: callOptionsOf(options),
    });
    return result.executionId;
  }

  /**
   * Starts an execution (as `executeWorkflow`) and returns its handle. Given a definition (from
   * `defineWorkflow`), it runs that definition's id and version, and `result()` is typed by its
   * step ids; given an id, say the results' type with `start<{ … }>(id)`.
   *
   * @example
   * const run = await client.start(pipeline, { day: '2026-01-31' });
   * const { sum } = await run.result();
   */
  async start<R = Record<string, unknown>>(workflowId: string, variables?: Record<string, unknown>, options?: StartOptions): Promise<ExecutionHandle<R>>;
  async start<const W extends WorkflowDefinitionLike>(
    workflow: W,
    variables?: Record<string, unknown>,
    options?: StartOptions,
  ): Promise<ExecutionHandle<ResultsOf<W>>>;
  async start(
    workflow: string | WorkflowDefinitionLike,
    variables: Record<string, unknown> = {},
    options: StartOptions = {},
  ): Promise<ExecutionHandle<unknown>> {
    const [workflowId, version] = typeof workflow === 'string' ? [workflow, options.version] : [workflow.id, options.version ?? workflow.version];
    const executionId = await this.executeWorkflow(workflowId, variables, { ...options, ...(version === undefined ? {} : { version }) });
    return new ExecutionHandle(this, executionId);
  }

  /** The handle of an execution started earlier (no call is made). */
  getHandle<R = Record<string, unknown>>(executionId: string): ExecutionHandle<R> {
    return new ExecutionHandle<R>(this, executionId);
  }

  /**
   * The execution with a page of its step runs (the first 1000 unless `stepsLimit` says otherwise;
   * `nextStepsCursor` is null when they are all there); with outputs (`results`, each run's
   * `output`) unless `{ outputs: false }`, which reads the small overview.
   *
   * @example
   * const { status } = await client.getExecution(id, { outputs: false });
   * const next = await client.getExecution(id, { stepsLimit: 100, stepsCursor: first.nextStepsCursor! });
   */
  getExecution(executionId: string, options?: { outputs?: true } & Omit<GetExecutionOptions, 'outputs'>): Promise<ExecutionView>;
  getExecution(executionId: string, options: { outputs: false } & Omit<GetExecutionOptions, 'outputs'>): Promise<ExecutionOverview>;
  getExecution(executionId: string, options?: GetExecutionOptions): Promise<ExecutionView | ExecutionOverview>;
  getExecution(executionId: string, options: GetExecutionOptions = {}): Promise<ExecutionView | ExecutionOverview> {
    const withOutputs = options.outputs !== false;
    const search = query({ include: withOutputs ? 'outputs' : undefined, stepsLimit: options.stepsLimit, stepsCursor: options.stepsCursor });
    return this.transport.request({
      method: 'GET',
      path: `/v1/executions/${enc(executionId)}${search}`,
      expect: fields({ id: 'string', status: 'string', steps: 'array', escalations: 'array', ...(withOutputs ? { results: 'object' as const } : {}) }),
      call: callOptionsOf(options),
    });
  }

  /**
   * Every step run of the execution, in queue order, without outputs, one page per request
   * (`getStepRun` reads one run's output).
   *
   * @example
   * for await (const run of client.stepRuns(id, { pageSize: 500 })) if (run.status === 'failed') console.log(run.stepId);
   */
  stepRuns(executionId: string, options: StepRunsOptions = {}): AsyncGenerator<StepRunSummary, void, undefined> {
    const { pageSize, ...call } = options;
    return stepRunsOf((stepsCursor) => this.getExecution(executionId, { ...call, outputs: false, ...pageOptions(pageSize, stepsCursor) }));
  }

  /** One step run of the execution, with its output. 404 `STEP_RUN_NOT_FOUND` for a run of another execution. */
  getStepRun(executionId: string, stepRunId: string, options?: CallOptions): Promise<StepRunView> {
    return this.transport.request({
      method: 'GET',
      path: `/v1/executions/${enc(executionId)}/steps/${enc(stepRunId)}`,
      expect: fields({ id: 'string', status: 'string' }),
      call: callOptionsOf(options),
    });
  }

  /** Stops starting new steps; steps already running finish and are recorded. 409 unless running. */
  pauseWorkflow(executionId: string, options?: CallOptions): Promise<LifecycleResult> {
    return this.lifecycle(executionId, 'pause', options);
  }

  /**
   * Continues a paused execution, or resumes a failed one from the point of failure: the failed
   * steps run again, the steps that succeeded are not repeated. 409 for other statuses.
   */
  resumeWorkflow(executionId: string, options?: CallOptions): Promise<LifecycleResult> {
    return this.lifecycle(executionId, 'resume', options);
  }

  /** Withdraws queued steps and ends the execution as cancelled; late results are ignored. */
  cancelExecution(executionId: string, options?: CallOptions): Promise<LifecycleResult> {
    return this.lifecycle(executionId, 'cancel', options);
  }

  private lifecycle(executionId: string, action: 'pause' | 'resume' | 'cancel', options: CallOptions | undefined): Promise<LifecycleResult> {
    return this.transport.request({
      method: 'POST',
      path: `/v1/executions/${enc(executionId)}/${action}`,
      expect: fields({ executionId: 'string', status: 'string' }),
      call: callOptionsOf(options),
    });
  }

  /** A snapshot of the execution's current state. */
  createSnapshot(executionId: string, options?: CallOptions): Promise<SnapshotView> {
    return this.transport.request({
      method: 'POST',
      path: `/v1/executions/${enc(executionId)}/snapshots`,
      expect: fields({ id: 'string' }),
      call: callOptionsOf(options),
    });
  }

  /** The execution's snapshots, newest first (all of them: `nextCursor` is null). */
  listSnapshots(executionId: string, options?: CallOptions): Promise<Page<SnapshotView>> {
    return pageOf(this.transport, `/v1/executions/${enc(executionId)}/snapshots`, options);
  }

  /** Puts the execution back to a snapshot's state and continues from there. */
  restoreSnapshot(executionId: string, snapshotId: string, options?: CallOptions): Promise<LifecycleResult> {
    return this.transport.request({
      method: 'POST',
      path: `/v1/executions/${enc(executionId)}/snapshots/${enc(snapshotId)}/restore`,
      expect: fields({ executionId: 'string', status: 'string' }),
      call: callOptionsOf(options),
    });
  }

  /** Snapshots the execution every `intervalMs` while it runs (`null` turns them off). */
  enableAutoSnapshots(executionId: string, intervalMs: number | null, options?: CallOptions): Promise<{ executionId: string; intervalMs: number | null }> {
    return this.transport.request({
      method: 'PUT',
      path: `/v1/executions/${enc(executionId)}/auto-snapshots`,
      body: { intervalMs },
      expect: anObject,
      call: callOptionsOf(options),
    });
  }

  /** Log lines of an execution's steps (`console.*` output of scripts, executor warnings), oldest first (all of them: `nextCursor` is null). */
  getExecutionLogs(executionId: string, options?: CallOptions): Promise<Page<LogEntryView>> {
    return pageOf(this.transport, `/v1/executions/${enc(executionId)}/logs`, options);
  }

  /** Agent step runs' conversations (messages, tool calls and results, usage); one run's with `stepRunId`. */
  getTranscripts(executionId: string, options: { stepRunId?: string } & CallOptions = {}): Promise<Page<TranscriptView>> {
    return pageOf(this.transport, `/v1/executions/${enc(executionId)}/transcripts${query(withoutCallOptions(options))}`, options);
  }

  /** The namespace's executions, newest first, by workflow and status; pass `nextCursor` as `cursor` for the next page. */
  listExecutions(filter: ListExecutionsFilter & CallOptions = {}): Promise<Page<ExecutionSummary>> {
    const status = Array.isArray(filter.status) ? filter.status.join(',') : filter.status;
    return pageOf(this.transport, `/v1/executions${query({ workflowId: filter.workflowId, status, limit: filter.limit, cursor: filter.cursor })}`, filter);
  }

  /**
   * The namespace's events (`GET /v1/events`), filtered, as an async iterator that reconnects with
   * the last id it delivered: every event once, in order, across dropped connections and
   * coordinators. Yields a `stream:gap` first when `lastEventId` is older than the retention.
   * Break out of the loop (or abort `signal`) to close it.
   *
   * @example
   * for await (const event of client.events({ types: ['workflow:completed', 'workflow:failed'] })) {
   *   console.log(event.type, event.type === 'stream:gap' ? event.message : event.executionId);
   * }
   */
  events(filter: EventFilter = {}, options: EventStreamOptions = {}): AsyncGenerator<StreamItem, void, undefined> {
    return streamEvents(this.transport, filter, options);
  }

  /**
   * Calls `handler` for every event of `type` (`*`: all) from now on, as the seed's `engine.on`;
   * returns the function that stops it. A handler that throws does not stop the others; `onError`
   * hears about that and about a stream refused for good (a 4xx). A subscription has no time
   * limit: `signal` (or the returned function) ends it.
   *
   * @example
   * const off = client.on('workflow:completed', (event) => console.log('Workflow completed:', event.executionId));
   * off();
   */
  on(
    type: EventSubscription,
    handler: EventHandler,
    options: {
      filter?: Omit<EventFilter, 'types'>;
      onError?: (error: unknown) => void;
      onOpen?: () => void /** Unsubscribes when it aborts, as the returned function does. */;
      signal?: AbortSignal;
    } = {},
  ): () => void {
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    if (options.signal?.aborted) controller.abort();
    const filter: EventFilter = type === '*' ? { ...options.filter } : { ...options.filter, types: [type] };
    void (async () => {
      try {
        for await (const item of streamEvents(this.transport, filter, { signal: controller.signal, ...(options.onOpen ? { onOpen: options.onOpen } : {}) })) {
          if (item.type === 'stream:gap') continue;
          try {
            await handler(item as FlowEvent);
          } catch (error) {
            options.onError?.(error);
          }
        }
      } catch (error) {
        if (!controller.signal.aborted) options.onError?.(error);
      }
    })();
    return () => controller.abort();
  }

  /**
   * Resolves with the execution, outputs included, once it is completed, failed or cancelled (it
   * does not throw for a failed one: `start(…).result()` does). An escalated step goes to
   * `onEscalation`, or ends the wait with `ExecutionEscalatedError`; past `timeoutMs` (default
   * 5 minutes) it rejects with `WaitTimeoutError`. It follows the execution's events and reads its
   * overview when one arrives, polling while the event stream is not connected.
   */
  waitForCompletion<WithOutputs extends boolean = false>(executionId: string, options: WaitOptions<WithOutputs> = {}): Promise<ExecutionView> {
    return waitForExecution(
      {
        // onStep must see every run; without it a poll needs only the first page (status, escalations).
        overview: (id, call) =>
          options.onStep
            ? wholeExecution((stepsCursor) => this.getExecution(id, { ...call, outputs: false, ...pageOptions(undefined, stepsCursor) }))
            : this.getExecution(id, { ...call, outputs: false }),
        full: (id, call) => wholeExecution((stepsCursor) => this.getExecution(id, { ...call, ...pageOptions(undefined, stepsCursor) })),
        stepRun: (id, runId, call) => this.getStepRun(id, runId, call),
        openErrors: async (id, call) => (await this.errorHandler.listErrors({ executionId: id, status: 'open', limit: 500, ...call })).items,
        events: (id, streamOptions) => streamEvents(this.transport, { executionId: id }, streamOptions),
      },
      executionId,
      options,
    );
  }
}

/** A fresh `Idempotency-Key` for one start (and its retries). */
function newIdempotencyKey(): string {
  return `af-sdk-${globalThis.crypto.randomUUID()}`;
}

/** The client talks HTTP only: anything else would fail at the first call with a less helpful message. */
function checkBaseUrl(baseUrl: unknown): void {
  let url: URL | undefined;
  try {
    url = typeof baseUrl === 'string' ? new URL(baseUrl) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TypeError(
      `AgenticFlowClient: baseUrl must be an http:// or https:// URL (the coordinator's address, e.g. http://localhost:3000), got ${JSON.stringify(baseUrl)}`,
    );
  }
}

function pageOptions(stepsLimit: number | undefined, stepsCursor: string | undefined): Pick<GetExecutionOptions, 'stepsLimit' | 'stepsCursor'> {
  return { ...(stepsLimit === undefined ? {} : { stepsLimit }), ...(stepsCursor === undefined ? {} : { stepsCursor }) };
}
