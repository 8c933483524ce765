import type {
  CircuitBreakerSettings,
  CircuitBreakersView,
  DeadLetterEntry,
  DeadLetterPage,
  DeadLetterRetryResult,
  ErrorResolutionInput,
  ErrorStatistics,
  ErrorView,
  LifecycleResult,
  Page,
  RecoveryStrategy,
  RegisteredStrategy,
  StepType,
} from '@agentic-flow/spec';
import { callOptionsOf, type CallOptions } from './call-options.js';
import { pageOf } from './list-page.js';
import { anObject, anything, fields } from './response-shape.js';
import { enc, query, type Transport } from './transport.js';

/** A recovery strategy as written: the fields with defaults may be left out. */
export type RecoveryStrategyInput =
  | { type: 'retry'; maxAttempts?: number; retryDelay?: number; backoff?: 'exponential' | 'fixed'; maxDelay?: number; jitter?: boolean }
  | { type: 'skip' }
  | { type: 'alternative'; alternativeStep: string }
  | { type: 'rollback'; rollbackSteps: string[] }
  | { type: 'escalate'; escalationHandler?: string };

export interface ListErrorsOptions extends CallOptions {
  /** `open`: the escalations waiting for `resolveError`. */
  status?: 'open' | 'closed';
  executionId?: string;
  /** 1–500, default 50. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** The dead letter queue's page: its total besides `{ items, nextCursor }`. */
export type DeadLetterList = DeadLetterPage & { nextCursor: string | null };

/**
 * What a registered strategy is for: a step type, in every workflow of the namespace; or one
 * workflow's step, named by both ids. A step id alone is refused (400): it would apply to whatever
 * workflow has, or later gets, a step of that id.
 *
 * @example
 * await client.errorHandler.registerRecoveryStrategy('http', { type: 'retry', maxAttempts: 3 });
 * await client.errorHandler.registerRecoveryStrategy({ workflowId: 'orders', stepId: 'optional-step' }, { type: 'skip' });
 */
export type StrategyTarget = StepType | { workflowId: string; stepId: string };

/** The path and query naming `target` under `/v1/recovery-strategies`. */
function strategyPath(target: StrategyTarget): string {
  return typeof target === 'string'
    ? `/v1/recovery-strategies/${enc(target)}`
    : `/v1/recovery-strategies/${enc(target.stepId)}${query({ workflowId: target.workflowId })}`;
}

/**
 * The engine's `WorkflowErrorHandler` over HTTP. Strategies registered here are stored by the
 * coordinators and apply to the executions of the client's namespace (a step type's to every
 * workflow, a step's to its workflow); a step's own `onError` takes precedence.
 */
export class WorkflowErrorHandler {
  constructor(private readonly transport: Transport) {}

  /** For a step type (`http`, `script`, `agent-task`, …) or a workflow's step (`{ workflowId, stepId }`); replaces an earlier one. */
  registerRecoveryStrategy(
    target: StrategyTarget,
    strategy: RecoveryStrategyInput,
    options?: CallOptions,
  ): Promise<{ namespace: string; workflowId?: string; target: string; strategy: RecoveryStrategy }> {
    return this.transport.request({
      method: 'PUT',
      path: strategyPath(target),
      body: strategy,
      expect: fields({ target: 'string', strategy: 'object' }),
      call: callOptionsOf(options),
    });
  }

  /** The namespace's strategies (all of them: `nextCursor` is null). */
  listRecoveryStrategies(options?: CallOptions): Promise<Page<RegisteredStrategy>> {
    return pageOf(this.transport, '/v1/recovery-strategies', options);
  }

  /** Removes the strategy registered for `target` (as it was registered); 404 when there is none. */
  async removeRecoveryStrategy(target: StrategyTarget, options?: CallOptions): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: strategyPath(target), expect: anything, call: callOptionsOf(options) });
  }

  /** Final step failures in [from, to) (default: the last 24 hours) by step type, error code and strategy. */
  getErrorStatistics(window: { from?: Date | string; to?: Date | string } & CallOptions = {}): Promise<ErrorStatistics> {
    const iso = (d: Date | string | undefined) => (d instanceof Date ? d.toISOString() : d);
    return this.transport.request({
      method: 'GET',
      path: `/v1/errors/statistics${query({ from: iso(window.from), to: iso(window.to) })}`,
      expect: fields({ total: 'number' }),
      call: callOptionsOf(window),
    });
  }

  /** Recorded errors, newest first; `status: 'open'` lists the escalations waiting for `resolveError`. Pass `nextCursor` as `cursor` for older ones. */
  listErrors(options: ListErrorsOptions = {}): Promise<Page<ErrorView>> {
    return pageOf(
      this.transport,
      `/v1/errors${query({ status: options.status, executionId: options.executionId, limit: options.limit, cursor: options.cursor })}`,
      options,
    );
  }

  getError(errorId: string, options?: CallOptions): Promise<ErrorView> {
    return this.transport.request({
      method: 'GET',
      path: `/v1/errors/${enc(errorId)}`,
      expect: fields({ id: 'string', status: 'string' }),
      call: callOptionsOf(options),
    });
  }

  /** Continues an execution waiting on an escalated step: run it again, skip it, give its output, or fail. */
  resolveError(errorId: string, resolution: ErrorResolutionInput, options?: CallOptions): Promise<LifecycleResult & { errorId: string }> {
    return this.transport.request({
      method: 'POST',
      path: `/v1/errors/${enc(errorId)}/resolve`,
      body: resolution,
      expect: fields({ executionId: 'string', status: 'string' }),
      call: callOptionsOf(options),
    });
  }

  /**
   * Step jobs whose last attempt failed, newest first across step types, with their `total`; pass
   * `nextCursor` as `cursor` for the next page (`offset` still works).
   */
  async getDeadLetterQueue(page: { offset?: number; limit?: number; cursor?: string } & CallOptions = {}): Promise<DeadLetterList> {
    // The queue pages by offset (it is read from Redis sorted sets): its cursor is the next offset, as text.
    const offset = page.cursor !== undefined ? Number(page.cursor) : page.offset;
    if (page.cursor !== undefined && !(Number.isInteger(offset) && offset! >= 0))
      throw new TypeError(`cursor must be a nextCursor of getDeadLetterQueue, got ${JSON.stringify(page.cursor)}`);
    const body = await this.transport.request<DeadLetterPage>({
      method: 'GET',
      path: `/v1/dead-letter${query({ offset, limit: page.limit })}`,
      expect: fields({ items: 'array', total: 'number', offset: 'number', limit: 'number' }),
      call: callOptionsOf(page),
    });
    const next = body.offset + body.items.length;
    return { ...body, nextCursor: body.items.length > 0 && next < body.total ? String(next) : null };
  }

  getDeadLetterEntry(stepType: string, jobId: string, options?: CallOptions): Promise<DeadLetterEntry> {
    return this.transport.request({
      method: 'GET',
      path: `/v1/dead-letter/${enc(stepType)}/${enc(jobId)}`,
      expect: fields({ jobId: 'string' }),
      call: callOptionsOf(options),
    });
  }

  /** Runs the step again; its execution continues if it was waiting on it (escalated or failed). */
  retryDeadLetter(stepType: string, jobId: string, options?: CallOptions): Promise<DeadLetterRetryResult> {
    return this.transport.request({
      method: 'POST',
      path: `/v1/dead-letter/${enc(stepType)}/${enc(jobId)}/retry`,
      expect: fields({ jobId: 'string', outcome: 'string' }),
      call: callOptionsOf(options),
    });
  }

  async discardDeadLetter(stepType: string, jobId: string, options?: CallOptions): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: `/v1/dead-letter/${enc(stepType)}/${enc(jobId)}`, expect: anything, call: callOptionsOf(options) });
  }

  /** Every breaker's state, and the settings all workers share. */
  getCircuitBreakers(options?: CallOptions): Promise<CircuitBreakersView> {
    return this.transport.request({
      method: 'GET',
      path: '/v1/circuit-breakers',
      expect: fields({ config: 'object', items: 'array' }),
      call: callOptionsOf(options),
    });
  }

  /** `circuitBreakerConfig = {...}`: the fields given replace the shared settings (`null`: back to each worker's default). */
  setCircuitBreakerConfig(config: { [K in keyof CircuitBreakerSettings]?: number | null }, options?: CallOptions): Promise<CircuitBreakerSettings> {
    return this.transport.request({ method: 'PUT', path: '/v1/circuit-breakers/config', body: config, expect: anObject, call: callOptionsOf(options) });
  }

  /** Closes a breaker at once, e.g. when its target is known to be back. */
  async resetCircuitBreaker(key: string, options?: CallOptions): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: `/v1/circuit-breakers/${enc(key)}`, expect: anything, call: callOptionsOf(options) });
  }
}
