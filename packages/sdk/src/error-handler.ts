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
  RecoveryStrategy,
  RegisteredStrategy,
  StepType,
} from '@agentic-flow/spec';
import { enc, query, type Transport } from './transport.js';

/** A recovery strategy as written: the fields with defaults may be left out. */
export type RecoveryStrategyInput =
  | { type: 'retry'; maxAttempts?: number; retryDelay?: number; backoff?: 'exponential' | 'fixed'; maxDelay?: number; jitter?: boolean }
  | { type: 'skip' }
  | { type: 'alternative'; alternativeStep: string }
  | { type: 'rollback'; rollbackSteps: string[] }
  | { type: 'escalate'; escalationHandler?: string };

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
  return typeof target === 'string' ? `/v1/recovery-strategies/${enc(target)}` : `/v1/recovery-strategies/${enc(target.stepId)}${query({ workflowId: target.workflowId })}`;
}

/**
 * The engine's `WorkflowErrorHandler` over HTTP. Strategies registered here are stored by the
 * coordinators and apply to the executions of the client's namespace (a step type's to every
 * workflow, a step's to its workflow); a step's own `onError` takes precedence.
 */
export class WorkflowErrorHandler {
  constructor(private readonly transport: Transport) {}

  /** For a step type (`http`, `script`, `agent-task`, …) or a workflow's step (`{ workflowId, stepId }`); replaces an earlier one. */
  registerRecoveryStrategy(target: StrategyTarget, strategy: RecoveryStrategyInput): Promise<{ namespace: string; workflowId?: string; target: string; strategy: RecoveryStrategy }> {
    return this.transport.request('PUT', strategyPath(target), strategy);
  }

  async listRecoveryStrategies(): Promise<RegisteredStrategy[]> {
    return (await this.transport.request<{ items: RegisteredStrategy[] }>('GET', '/v1/recovery-strategies')).items;
  }

  /** Removes the strategy registered for `target` (as it was registered); 404 when there is none. */
  async removeRecoveryStrategy(target: StrategyTarget): Promise<void> {
    await this.transport.request('DELETE', strategyPath(target));
  }

  /** Final step failures in [from, to) (default: the last 24 hours) by step type, error code and strategy. */
  getErrorStatistics(window: { from?: Date | string; to?: Date | string } = {}): Promise<ErrorStatistics> {
    const iso = (d: Date | string | undefined) => (d instanceof Date ? d.toISOString() : d);
    return this.transport.request('GET', `/v1/errors/statistics${query({ from: iso(window.from), to: iso(window.to) })}`);
  }

  /** Recorded errors, newest first; `status: 'open'` lists the escalations waiting for `resolveError`. */
  async listErrors(filter: { status?: 'open' | 'closed'; executionId?: string; limit?: number } = {}): Promise<ErrorView[]> {
    return (await this.transport.request<{ items: ErrorView[] }>('GET', `/v1/errors${query(filter)}`)).items;
  }

  getError(errorId: string): Promise<ErrorView> {
    return this.transport.request('GET', `/v1/errors/${enc(errorId)}`);
  }

  /** Continues an execution waiting on an escalated step: run it again, skip it, give its output, or fail. */
  resolveError(errorId: string, resolution: ErrorResolutionInput): Promise<LifecycleResult & { errorId: string }> {
    return this.transport.request('POST', `/v1/errors/${enc(errorId)}/resolve`, resolution);
  }

  /** Step jobs whose last attempt failed, newest first across step types. */
  getDeadLetterQueue(page: { offset?: number; limit?: number } = {}): Promise<DeadLetterPage> {
    return this.transport.request('GET', `/v1/dead-letter${query(page)}`);
  }

  getDeadLetterEntry(stepType: string, jobId: string): Promise<DeadLetterEntry> {
    return this.transport.request('GET', `/v1/dead-letter/${enc(stepType)}/${enc(jobId)}`);
  }

  /** Runs the step again; its execution continues if it was waiting on it (escalated or failed). */
  retryDeadLetter(stepType: string, jobId: string): Promise<DeadLetterRetryResult> {
    return this.transport.request('POST', `/v1/dead-letter/${enc(stepType)}/${enc(jobId)}/retry`);
  }

  async discardDeadLetter(stepType: string, jobId: string): Promise<void> {
    await this.transport.request('DELETE', `/v1/dead-letter/${enc(stepType)}/${enc(jobId)}`);
  }

  /** Every breaker's state, and the settings all workers share. */
  getCircuitBreakers(): Promise<CircuitBreakersView> {
    return this.transport.request('GET', '/v1/circuit-breakers');
  }

  /** `circuitBreakerConfig = {...}`: the fields given replace the shared settings (`null`: back to each worker's default). */
  setCircuitBreakerConfig(config: { [K in keyof CircuitBreakerSettings]?: number | null }): Promise<CircuitBreakerSettings> {
    return this.transport.request('PUT', '/v1/circuit-breakers/config', config);
  }

  /** Closes a breaker at once, e.g. when its target is known to be back. */
  async resetCircuitBreaker(key: string): Promise<void> {
    await this.transport.request('DELETE', `/v1/circuit-breakers/${enc(key)}`);
  }
}
