import type {
  EventFilter,
  FlowEvent,
  TranscriptView,
  CreateWorkflowResult,
  ExecuteWorkflowResult,
  ExecutionOverview,
  ExecutionSummary,
  ExecutionView,
  LifecycleResult,
  ListExecutionsFilter,
  LogEntryView,
  Page,
  SnapshotView,
  StepRunSummary,
  StepRunView,
  WorkflowDefinition,
  WorkflowDefinitionInput,
  WorkflowSummary,
} from '@agentic-flow/spec';
import { WaitTimeoutError } from './errors.js';
import { WorkflowErrorHandler } from './error-handler.js';
import { AccessAdmin } from './access.js';
import { WorkflowMonitor } from './monitor.js';
import { Transport, enc, query } from './transport.js';
import { streamEvents, type EventHandler, type EventStreamOptions, type EventSubscription, type StreamItem } from './event-stream.js';

export interface AgenticFlowClientOptions {
  /** The coordinator's address, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** An API key (`afk_…`), sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** The namespace to act in; default: the key's first namespace (`default` for a key for every namespace). */
  namespace?: string;
  /** Sent with every request (tracing, a proxy's own credentials). */
  headers?: Record<string, string>;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

export interface WaitOptions<WithOutputs extends boolean = false> {
  /** Give up (with `WaitTimeoutError`) after this long; default 5 minutes. */
  timeoutMs?: number;
  /** First poll interval; it grows to 1 s while nothing changes. Default 50 ms. */
  pollIntervalMs?: number;
  /**
   * Called once for each step run as it settles (succeeds, fails, is skipped or cancelled), in the
   * order they finished. It gets the run without its output unless `stepOutputs` is true.
   */
  onStep?: (step: WithOutputs extends true ? StepRunView : StepRunSummary) => void;
  /**
   * Give `onStep` each run with its output: one `getStepRun` per settled run. Off by default, so
   * waiting costs polls of the execution's small overview only, however much the steps return.
   */
  stepOutputs?: WithOutputs;
  signal?: AbortSignal;
}

export interface GetExecutionOptions {
  /**
   * With each run's output and the `results` map (default). `false` reads the overview that
   * polling uses: status, variables, usage, escalations and runs without outputs.
   */
  outputs?: boolean;
}

const SETTLED = new Set(['completed', 'failed', 'cancelled']);
const SETTLED_STEP = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

/**
 * The Agentic Flow API over HTTP, with the names of the engine's API reference.
 *
 * @example
 * const client = new AgenticFlowClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.AF_API_KEY });
 * await client.createWorkflow(workflow);
 * const executionId = await client.executeWorkflow(workflow.id, { apiUrl: 'https://api.example.com' });
 * const execution = await client.waitForCompletion(executionId);
 */
export class AgenticFlowClient {
  private readonly transport: Transport;
  /** `WorkflowErrorHandler`: recovery strategies, errors, the dead letter queue, circuit breakers. */
  readonly errorHandler: WorkflowErrorHandler;
  /** `WorkflowMonitor`: alerts. */
  readonly monitor: WorkflowMonitor;
  /** API keys, namespaces and the audit log (admin keys). */
  readonly access: AccessAdmin;

  constructor(options: AgenticFlowClientOptions) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.apiKey !== undefined) headers['authorization'] = `Bearer ${options.apiKey}`;
    if (options.namespace !== undefined) headers['af-namespace'] = options.namespace;
    this.transport = new Transport({ ...options, headers });
    this.access = new AccessAdmin(this.transport);
    this.errorHandler = new WorkflowErrorHandler(this.transport);
    this.monitor = new WorkflowMonitor(this.transport);
  }

  private request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    return this.transport.request<T>(method, path, body, contentType);
  }

  /** Registers a definition (an object, or JSON/YAML text). Same id, version and content again is a no-op. */
  createWorkflow(definition: WorkflowDefinitionInput | string): Promise<CreateWorkflowResult> {
    return typeof definition === 'string'
      ? this.request('POST', '/v1/workflows', definition, 'application/yaml')
      : this.request('POST', '/v1/workflows', definition);
  }

  /** The latest version of a workflow, or the given one. */
  getWorkflow(workflowId: string, version?: string): Promise<WorkflowDefinition & { namespace: string; createdAt: string }> {
    const path = version === undefined ? `/v1/workflows/${enc(workflowId)}` : `/v1/workflows/${enc(workflowId)}/versions/${enc(version)}`;
    return this.request('GET', path);
  }

  listWorkflows(options: { limit?: number; cursor?: string } = {}): Promise<Page<WorkflowSummary>> {
    return this.request('GET', `/v1/workflows${query(options)}`);
  }

  /** Starts an execution and returns its id. Variables are merged over the definition's defaults. */
  async executeWorkflow(workflowId: string, variables: Record<string, unknown> = {}, options: { version?: string; tokenBudget?: number } = {}): Promise<string> {
    const body = {
      variables,
      ...(options.version === undefined ? {} : { version: options.version }),
      // Tokens the execution's agent steps may use in total; overrides the definition's `tokenBudget`.
      ...(options.tokenBudget === undefined ? {} : { tokenBudget: options.tokenBudget }),
    };
    const result = await this.request<ExecuteWorkflowResult>('POST', `/v1/workflows/${enc(workflowId)}/executions`, body);
    return result.executionId;
  }

  /**
   * The execution with every step run; with outputs (`results`, each run's `output`) unless
   * `{ outputs: false }`, which reads the small overview.
   *
   * @example
   * const { status } = await client.getExecution(id, { outputs: false });
   */
  getExecution(executionId: string, options?: { outputs?: true }): Promise<ExecutionView>;
  getExecution(executionId: string, options: { outputs: false }): Promise<ExecutionOverview>;
  getExecution(executionId: string, options?: GetExecutionOptions): Promise<ExecutionView | ExecutionOverview>;
  getExecution(executionId: string, options: GetExecutionOptions = {}): Promise<ExecutionView | ExecutionOverview> {
    const include = options.outputs === false ? '' : '?include=outputs';
    return this.request('GET', `/v1/executions/${enc(executionId)}${include}`);
  }

  /** One step run of the execution, with its output. 404 `STEP_RUN_NOT_FOUND` for a run of another execution. */
  getStepRun(executionId: string, stepRunId: string): Promise<StepRunView> {
    return this.request('GET', `/v1/executions/${enc(executionId)}/steps/${enc(stepRunId)}`);
  }

  /** Stops starting new steps; steps already running finish and are recorded. 409 unless running. */
  pauseWorkflow(executionId: string): Promise<LifecycleResult> {
    return this.request('POST', `/v1/executions/${enc(executionId)}/pause`);
  }

  /**
   * Continues a paused execution, or resumes a failed one from the point of failure: the failed
   * steps run again, the steps that succeeded are not repeated. 409 for other statuses.
   */
  resumeWorkflow(executionId: string): Promise<LifecycleResult> {
    return this.request('POST', `/v1/executions/${enc(executionId)}/resume`);
  }

  /** Withdraws queued steps and ends the execution as cancelled; late results are ignored. */
  cancelExecution(executionId: string): Promise<LifecycleResult> {
    return this.request('POST', `/v1/executions/${enc(executionId)}/cancel`);
  }

  /** A snapshot of the execution's current state. */
  createSnapshot(executionId: string): Promise<SnapshotView> {
    return this.request('POST', `/v1/executions/${enc(executionId)}/snapshots`);
  }

  /** The execution's snapshots, newest first. */
  async listSnapshots(executionId: string): Promise<SnapshotView[]> {
    return (await this.request<{ items: SnapshotView[] }>('GET', `/v1/executions/${enc(executionId)}/snapshots`)).items;
  }

  /** Puts the execution back to a snapshot's state and continues from there. */
  restoreSnapshot(executionId: string, snapshotId: string): Promise<LifecycleResult> {
    return this.request('POST', `/v1/executions/${enc(executionId)}/snapshots/${enc(snapshotId)}/restore`);
  }

  /** Snapshots the execution every `intervalMs` while it runs (`null` turns them off). */
  enableAutoSnapshots(executionId: string, intervalMs: number | null): Promise<{ executionId: string; intervalMs: number | null }> {
    return this.request('PUT', `/v1/executions/${enc(executionId)}/auto-snapshots`, { intervalMs });
  }

  /** Log lines of an execution's steps (`console.*` output of scripts, executor warnings), oldest first. */
  getExecutionLogs(executionId: string): Promise<{ items: LogEntryView[] }> {
    return this.request('GET', `/v1/executions/${enc(executionId)}/logs`);
  }

  /** Agent step runs' conversations (messages, tool calls and results, usage); one run's with `stepRunId`. */
  async getTranscripts(executionId: string, options: { stepRunId?: string } = {}): Promise<TranscriptView[]> {
    return (await this.request<{ items: TranscriptView[] }>('GET', `/v1/executions/${enc(executionId)}/transcripts${query(options)}`)).items;
  }

  listExecutions(filter: ListExecutionsFilter = {}): Promise<Page<ExecutionSummary>> {
    const status = Array.isArray(filter.status) ? filter.status.join(',') : filter.status;
    return this.request('GET', `/v1/executions${query({ workflowId: filter.workflowId, status, limit: filter.limit, cursor: filter.cursor })}`);
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
   * hears about that and about a stream refused for good (a 4xx).
   *
   * @example
   * const off = client.on('workflow:completed', (event) => console.log('Workflow completed:', event.executionId));
   * off();
   */
  on(type: EventSubscription, handler: EventHandler, options: { filter?: Omit<EventFilter, 'types'>; onError?: (error: unknown) => void; onOpen?: () => void } = {}): () => void {
    const controller = new AbortController();
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
   * Resolves with the execution, outputs included, once it is completed, failed or cancelled. It
   * follows the execution's events and reads its overview (no outputs) when one arrives, then the
   * execution with outputs once; it polls the overview as before whenever the event stream is not
   * connected (and every 5 s besides, as a safety net).
   */
  async waitForCompletion<WithOutputs extends boolean = false>(executionId: string, options: WaitOptions<WithOutputs> = {}): Promise<ExecutionView> {
    const timeoutMs = options.timeoutMs ?? 300_000;
    const deadline = Date.now() + timeoutMs;
    const reported = new Set<string>();
    let interval = options.pollIntervalMs ?? 50;
    const events = new EventWake();
    const stream = new AbortController();
    const stopStream = (): void => stream.abort();
    options.signal?.addEventListener('abort', stopStream, { once: true });
    void (async () => {
      try {
        for await (const _ of streamEvents(this.transport, { executionId }, { signal: stream.signal, onOpen: () => events.open() })) events.wake();
      } catch {
        // Refused (an older coordinator without the stream, a key without access): polling alone.
      } finally {
        events.close();
      }
    })();
    try {
      for (;;) {
        options.signal?.throwIfAborted();
        const execution = await this.getExecution(executionId, { outputs: false });
        // Newly settled steps are reported in the order they finished.
        const settled = execution.steps
          .filter((step) => SETTLED_STEP.has(step.status) && !reported.has(step.id))
          .sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''));
        const toReport: StepRunSummary[] = options.stepOutputs ? await Promise.all(settled.map((step) => this.getStepRun(executionId, step.id))) : settled;
        for (const step of toReport) {
          reported.add(step.id);
          (options.onStep as ((step: StepRunSummary) => void) | undefined)?.(step);
        }
        const changed = settled.length > 0;
        if (SETTLED.has(execution.status)) return this.getExecution(executionId);
        if (Date.now() >= deadline) throw new WaitTimeoutError(executionId, execution.status, timeoutMs);
        interval = changed ? (options.pollIntervalMs ?? 50) : Math.min(interval * 1.5, 1000);
        // With the stream connected, an event (or a reconnection) is the signal to read again.
        const wait = events.connected ? Math.max(interval, EVENT_SAFETY_POLL_MS) : interval;
        await events.next(Math.min(wait, Math.max(0, deadline - Date.now())), options.signal);
      }
    } finally {
      options.signal?.removeEventListener('abort', stopStream);
      stream.abort();
    }
  }
}

/** With the event stream connected, `waitForCompletion` still reads the execution this often. */
const EVENT_SAFETY_POLL_MS = 5000;

/** Wake-ups for `waitForCompletion`: an event arrived, or the stream (re)connected (events before it may be missed: read again). */
class EventWake {
  connected = false;
  private pending = false;
  private resolve: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.resolve?.();
  }

  open(): void {
    this.connected = true;
    this.wake();
  }

  close(): void {
    this.connected = false;
    this.wake();
  }

  /** Resolves at the next wake-up (at once if one came since the last call), after `ms`, or throws when `signal` aborts. */
  async next(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.resolve = resolve;
        timer = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    } finally {
      clearTimeout(timer);
      this.resolve = undefined;
      this.pending = false;
    }
  }
}
