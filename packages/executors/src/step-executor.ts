import type { AgentRunRecord, CircuitVerdict, HttpResponse, RetryOwner, StepContext, StepError } from '@agentic-flow/spec';

/** What a step can see of its execution (spec's `StepContext`, the job's `context`). Templates in `config` are already resolved. */
export type { StepContext };

export interface StepExecutionInput<C = unknown> {
  stepRunId: string;
  stepId: string;
  stepType: string;
  executionId: string;
  attempt: number;
  /** Epoch ms when the worker started the step (a script's `startTime`); absent: when the executor starts it. */
  startTime?: number;
  /** What the step's requests send as `Idempotency-Key` (see `idempotency-key.ts`); the worker always sets it. */
  idempotencyKey?: string;
  /**
   * Who retries this step run (spec's `RetryOwner`). `strategy`: its `retry` strategy runs the job
   * again, so the executor tries each call once (no http `retries`, no provider retries); `step`
   * (or absent): the executor applies the step's own retry settings in process. The worker always
   * sets it. Apply it with spec's `inProcessRetryPolicy`.
   */
  retryOwner?: RetryOwner;
  /**
   * The step's `config`: templates resolved by the coordinator, secret slots filled by the worker
   * (nothing in it is a template any more). Executors validate it themselves.
   */
  config: C;
  context: StepContext;
  /** Agent steps: tokens the execution may still spend (its `tokenBudget` minus what it used); absent when unlimited. */
  budget?: { remainingTokens: number };
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface StepLogEntry {
  level: LogLevel;
  message: string;
  /** Epoch milliseconds on the worker. */
  at: number;
}

export interface StepRuntime {
  /** Aborted when the worker shuts down hard or the step is cancelled. */
  signal: AbortSignal;
  /** Captured into `workflow_logs` with the step's result. */
  log(level: LogLevel, message: string): void;
  /**
   * The value of the worker's secret `name`, for a step whose config lists it (a script's
   * `secrets`); undefined when the worker has no such secret. Absent: the worker gives none.
   */
  secret?(name: string): string | undefined;
  /**
   * Runs `fn` with the step's trace context active for its synchronous part, so that an instrumented
   * call it makes (an undici request) becomes a child of the step's span. Trace context is handed
   * down, not carried by async hooks: wrap the call itself, after any `await`. Absent: not traced.
   */
  inTrace?<T>(fn: () => T): T;
}

/**
 * Agent steps also report their provider, model, token usage and transcript, whatever the outcome.
 * A successful http step reports its response's status and headers as `response`, beside its
 * `output` (the body): later steps read them as `steps["id"]`.
 */
export type StepOutcome =
  | { ok: true; output: unknown; variableUpdates?: Record<string, unknown>; agent?: AgentRunRecord; response?: HttpResponse }
  | { ok: false; error: StepError; agent?: AgentRunRecord };

/**
 * What the worker asks of a step type besides running its steps. Each executor answers for its
 * type, so the worker has no rule naming a step type: registering an executor is all it takes to
 * add one. (What the coordinator must know of a type — what its job carries — is in spec's
 * `WORK_JOB_CONTENTS`: the coordinator has no executors.) Each executor's answers are also exported
 * on their own (`HTTP_EXECUTOR_TRAITS`…), for a worker that sizes resources before it creates the
 * executor, and for tests that stand in for one.
 */
export interface ExecutorTraits {
  readonly type: string;
  /**
   * How many steps of this type one worker runs at once unless `WORKER_CONCURRENCY` says
   * otherwise: many for steps that wait on the network, about one per core for CPU-bound ones.
   */
  readonly defaultConcurrency: number;
  /**
   * The circuit breaker a step goes through, named by its type and target (`http:api.example.com:443`,
   * `agent-task:openai`), from its config with every template resolved and every secret filled.
   * Undefined: none — a config too broken to name a target has none either, and the executor then
   * fails the step with `INVALID_CONFIG`. Absent: the type's steps have no target to guard (scripts).
   */
  circuitKey?(config: unknown): string | undefined;
  /**
   * What a failure with one of this type's own codes says about its target's health (an http
   * status, a provider's answer). The worker asks only about failures its rules for every type leave
   * open — one that never reached the target is ignored, a network error, a timeout or a crash is a
   * failure — and counts undefined as a success: the target answered.
   */
  circuitVerdict?(error: StepError): CircuitVerdict | undefined;
}

/**
 * One implementation per step type. The worker owns the queue; an executor only turns an input into
 * an outcome. A step failure is an outcome (`ok: false`), not a thrown error: throwing means the
 * executor itself broke, and the worker reports the step failed with `INTERNAL` (a job under a
 * `retry` strategy with attempts left is run again, as for any failure another attempt may mend).
 */
export interface StepExecutor<C = unknown> extends ExecutorTraits {
  execute(input: StepExecutionInput<C>, runtime: StepRuntime): Promise<StepOutcome>;
  /** Releases pooled resources (isolates, HTTP agents) on shutdown. */
  close?(): Promise<void>;
}
