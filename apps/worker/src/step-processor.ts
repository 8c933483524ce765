import type { StepExecutor, StepLogEntry, StepOutcome } from '@agentic-flow/executors';
import { StepJobSchema, type CircuitBreaker, type CircuitDecision, type CircuitRejection, type CircuitVerdict, type StepJob, type StepResult } from '@agentic-flow/queue';
import { TemplateResolutionError, TemplateSyntaxError, resolveTemplates, stepError, type AgentRunRecord, type StepError } from '@agentic-flow/spec';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '@agentic-flow/telemetry';
import { circuitKeyFor } from './circuit-key.js';
import { circuitVerdict, isRetryableFailure } from './failure-classification.js';

/** The part of `CircuitBreaker` the processor uses. */
export type StepCircuitBreaker = Pick<CircuitBreaker, 'acquire' | 'record'>;

export interface StepProcessorOptions {
  executors: ReadonlyMap<string, StepExecutor>;
  /** Puts a result on `step-results`. */
  report: (result: StepResult) => Promise<void>;
  workerId: string;
  secrets: Readonly<Record<string, string>>;
  logger: Logger;
  /** Circuit breakers shared by the workers; without them no step goes through one. */
  circuitBreaker?: StepCircuitBreaker;
}

/** Wall-clock time with sub-millisecond resolution: step timings feed the per-step overhead benchmark. */
const now = (): number => performance.timeOrigin + performance.now();

/**
 * Turns a step job into a reported result. A step that fails is reported as a failed result and its
 * job then fails too, so it lands in the queue's failed set (the dead letter queue).
 *
 * A job with a retry strategy has BullMQ `attempts`: while attempts remain, a retryable failure
 * reports nothing and throws a plain error, so BullMQ runs the job again after the strategy's
 * backoff (`RETRY_BACKOFF`, registered by `StepConsumers`); only the last attempt reports its
 * failure. A failure no retry can mend (`NON_RETRYABLE_CODES`) is reported at once. A result that
 * could not be reported also makes BullMQ retry the job, if attempts remain.
 *
 * Steps with a target (`circuitKeyFor`) go through its circuit breaker: one Redis call before the
 * step and one after. A rejected step fails with `CIRCUIT_OPEN` without running, and that failure
 * follows the rules above like any other.
 *
 * A step whose `signal` aborts (it was cancelled: `cancellableProcessor` gives each job its signal)
 * ends without a result and without an error, so BullMQ completes its job: no retry, no dead letter.
 */
export function createStepProcessor(options: StepProcessorOptions): (job: Job, token?: string, signal?: AbortSignal) => Promise<void> {
  const { executors, report, workerId, secrets, logger, circuitBreaker } = options;

  return async (job: Job, _token?: string, jobSignal?: AbortSignal): Promise<void> => {
    // Never a signal shared between jobs: every executor call adds abort listeners to it.
    const signal = jobSignal ?? new AbortController().signal;
    const parsed = StepJobSchema.safeParse(job.data);
    if (!parsed.success) {
      logger.error({ jobId: job.id, queue: job.queueName, issues: parsed.error.issues }, 'malformed step job: dead-lettered');
      throw new UnrecoverableError(`malformed step job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const data = parsed.data;
    const log = logger.child({ executionId: data.executionId, stepRunId: data.stepRunId, stepId: data.stepId });
    const startedAt = now();
    const logs: StepLogEntry[] = [];
    // BullMQ's attempts of this job (its retry strategy), not the step run's `attempt`.
    const attempts = Math.max(1, job.opts.attempts ?? 1);
    const attempt = job.attemptsMade + 1;
    if (attempt > 1) {
      const previous = job.failedReason ? ` (attempt ${attempt - 1} failed: ${job.failedReason})` : '';
      logs.push({ level: 'info', message: `attempt ${attempt} of ${attempts}${previous}`, at: Date.now() });
    }
    const outcome = storable(await run(data, executors.get(data.stepType), { secrets, signal, logs, circuitBreaker, log }));
    // A cancelled step's run is already settled in PostgreSQL: it reports nothing, and its job completes
    // (a cancellation is not a failure, and must neither be retried nor land in the dead letter queue).
    if (signal.aborted) {
      log.info({ attempt, durationMs: now() - startedAt }, 'step cancelled: ended without a result');
      return;
    }
    if (!outcome.ok && attempt < attempts && isRetryableFailure(outcome.error)) {
      // Not reported: BullMQ retries the job after the backoff, and the backoff strategy logs the retry.
      throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    }
    const result = toResult(data, outcome, logs, startedAt, workerId);
    // A lost result would leave the step queued in Postgres; throwing here lets BullMQ retry the job.
    await report(result);
    if (!outcome.ok) {
      log.warn({ code: outcome.error.code, attempt, attempts, durationMs: result.finishedAt - startedAt }, `step failed: ${outcome.error.message}`);
      throw new UnrecoverableError(`${outcome.error.code}: ${outcome.error.message}`);
    }
    log.debug({ attempt, durationMs: result.finishedAt - startedAt }, 'step succeeded');
  };
}

interface RunOptions {
  secrets: Readonly<Record<string, string>>;
  signal: AbortSignal;
  logs: StepLogEntry[];
  circuitBreaker: StepCircuitBreaker | undefined;
  log: Logger;
}

async function run(job: StepJob, executor: StepExecutor | undefined, options: RunOptions): Promise<StepOutcome> {
  if (!executor) {
    return { ok: false, error: stepError('UNSUPPORTED_STEP_TYPE', `no executor for "${job.stepType}" steps is installed in this worker`) };
  }
  let config: unknown;
  try {
    // Only `{{ secrets.* }}` templates are left by the coordinator; they resolve here and nowhere else.
    config = resolveTemplates(job.config, { secrets: options.secrets });
  } catch (error) {
    if (error instanceof TemplateResolutionError || error instanceof TemplateSyntaxError) {
      return { ok: false, error: stepError('TEMPLATE', error.message.replace(/^template/, 'secret template')) };
    }
    throw error;
  }
  // The target is known only now: a secret template may name the host.
  const breaker = options.circuitBreaker;
  const key = breaker ? circuitKeyFor(job.stepType, config) : undefined;
  if (!breaker || key === undefined) return execute(job, executor, config, options);

  let decision: CircuitDecision;
  try {
    decision = await breaker.acquire(key);
  } catch (error) {
    // The breaker protects targets; it must not stop steps when it cannot be consulted.
    options.log.warn({ err: error, circuitBreaker: key }, 'circuit breaker unavailable: the step runs without it');
    return execute(job, executor, config, options);
  }
  if (!decision.allowed) return { ok: false, error: circuitOpenError(decision) };

  // Whatever happens, the permit goes back: a half-open trial slot must not stay taken.
  let verdict: CircuitVerdict = 'ignore';
  try {
    const outcome = await execute(job, executor, config, options);
    verdict = circuitVerdict(outcome, options.signal.aborted);
    return outcome;
  } finally {
    await breaker.record(decision, verdict).catch((error: unknown) => {
      options.log.warn({ err: error, circuitBreaker: key, verdict }, 'circuit breaker: could not record the outcome');
    });
  }
}

async function execute(job: StepJob, executor: StepExecutor, config: unknown, options: RunOptions): Promise<StepOutcome> {
  try {
    return await executor.execute(
      {
        stepRunId: job.stepRunId,
        stepId: job.stepId,
        stepType: job.stepType,
        executionId: job.executionId,
        attempt: job.attempt,
        config,
        context: job.context ?? { results: {}, variables: {}, input: {}, execution: { id: job.executionId, workflowId: job.workflowId, workflowVersion: job.workflowVersion } },
        ...(job.budget ? { budget: job.budget } : {}),
      },
      {
        signal: options.signal,
        log: (level, message) => options.logs.push({ level, message, at: Date.now() }),
      },
    );
  } catch (error) {
    // An executor that throws has a bug; the step still gets a result instead of hanging.
    return { ok: false, error: stepError('INTERNAL', `executor "${job.stepType}" crashed: ${(error as Error).message}`) };
  }
}

function circuitOpenError(rejection: CircuitRejection): StepError {
  const wait = `${Math.ceil(rejection.retryAfterMs / 100) / 10} s`;
  const message =
    rejection.state === 'open'
      ? `circuit breaker ${rejection.key} is open (${rejection.failures} failures); retry after ${wait}`
      : `circuit breaker ${rejection.key} is half-open with ${rejection.halfOpenInFlight} trial calls in flight; retry after at most ${wait}`;
  return stepError('CIRCUIT_OPEN', message, {
    breaker: rejection.key,
    state: rejection.state,
    failures: rejection.failures,
    openedAt: rejection.openedAt,
    retryAfterMs: rejection.retryAfterMs,
  });
}

/**
 * PostgreSQL cannot store U+0000 in jsonb or text: an output holding one would fail the
 * coordinator's transaction on every retry, so it fails the step here instead.
 */
function storable(outcome: StepOutcome): StepOutcome {
  if (!outcome.ok || !JSON.stringify([outcome.output ?? null, outcome.variableUpdates ?? null]).includes('\\u0000')) return outcome;
  const error = stepError('OUTPUT_NOT_SERIALIZABLE', 'the output or a variable update contains a NUL character (\\u0000), which cannot be stored');
  return outcome.agent ? { ok: false, error, agent: outcome.agent } : { ok: false, error };
}

/**
 * An agent's transcript holds whatever tools and models returned; a NUL in it would fail the
 * coordinator's insert like one in a log line, so it is shown as U+FFFD instead.
 */
function withoutNul(agent: AgentRunRecord): AgentRunRecord {
  const json = JSON.stringify(agent);
  if (!json.includes('\\u0000')) return agent;
  return JSON.parse(json, (_key, value: unknown) => (typeof value === 'string' ? value.replaceAll('\u0000', '\uFFFD') : value)) as AgentRunRecord;
}

function toResult(job: StepJob, outcome: StepOutcome, logs: StepLogEntry[], startedAt: number, workerId: string): StepResult {
  // Log lines are text columns: a NUL is shown as U+FFFD rather than failing the result.
  const clean = logs.map((l) => (l.message.includes('\u0000') ? { ...l, message: l.message.replaceAll('\u0000', '\uFFFD') } : l));
  const base = {
    v: 1 as const,
    stepRunId: job.stepRunId,
    executionId: job.executionId,
    instanceKey: job.instanceKey,
    attempt: job.attempt,
    logs: clean,
    startedAt,
    finishedAt: now(),
    workerId,
    ...(outcome.agent ? { agent: withoutNul(outcome.agent) } : {}),
  };
  return outcome.ok
    ? { ...base, outcome: 'succeeded', output: outcome.output, ...(outcome.variableUpdates ? { variableUpdates: outcome.variableUpdates } : {}) }
    : { ...base, outcome: 'failed', error: outcome.error };
}
